/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment BrowserStepFields on StepResult {\n    browser {\n      finalUrl\n      actions {\n        index\n        action\n        status\n        error\n        durationMs\n      }\n      extracted {\n        name\n        value\n      }\n      consoleErrors\n      failedRequests {\n        method\n        url\n        status\n        error\n        blocked\n      }\n      timings {\n        domContentLoadedMs\n        loadMs\n        lcpMs\n      }\n      screenshots {\n        runId\n        stepPosition\n        position\n        name\n        action\n        auto\n        size\n      }\n    }\n  }\n": typeof types.BrowserStepFieldsFragmentDoc,
    "\n  query RunScreenshots($id: ID!) {\n    run(id: $id) {\n      id\n      steps {\n        position\n        browser {\n          screenshots {\n            position\n            dataUrl\n          }\n        }\n      }\n    }\n  }\n": typeof types.RunScreenshotsDocument,
    "\n  fragment RunFields on Run {\n    id\n    collectionName\n    collection {\n      id\n      name\n    }\n    monitor {\n      id\n      name\n    }\n    location\n    trigger\n    status\n    quiet\n    attempt\n    error\n    scheduledFor\n    queuedAt\n    startedAt\n    finishedAt\n    durationMs\n    steps {\n      position\n      name\n      status\n      errorCode\n      error\n      traceId\n      tries\n      insecure\n      startedAt\n      request {\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n      }\n      response {\n        status\n        headers {\n          name\n          value\n        }\n        body\n        bodyTruncated\n        size\n      }\n      timings {\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n        totalMs\n      }\n      assertions {\n        source\n        property\n        comparison\n        target\n        expected\n        actual\n        passed\n        reason\n      }\n      ...BrowserStepFields\n    }\n  }\n": typeof types.RunFieldsFragmentDoc,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      id\n      email\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Setup($token: String!, $email: String!, $name: String!, $password: String!) {\n    setup(token: $token, email: $email, name: $name, password: $password) {\n      id\n      email\n    }\n  }\n": typeof types.SetupDocument,
    "\n  query Channels {\n    alertChannels {\n      id\n      name\n      type\n      config {\n        key\n        value\n      }\n      lastError\n      lastErrorAt\n      updatedAt\n    }\n  }\n": typeof types.ChannelsDocument,
    "\n  mutation CreateChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateChannelDocument,
    "\n  mutation UpdateChannel($id: ID!, $input: AlertChannelInput!) {\n    updateAlertChannel(id: $id, input: $input) {\n      id\n    }\n  }\n": typeof types.UpdateChannelDocument,
    "\n  mutation DeleteChannel($id: ID!) {\n    deleteAlertChannel(id: $id)\n  }\n": typeof types.DeleteChannelDocument,
    "\n  mutation TestChannel($id: ID!) {\n    testAlertChannel(id: $id) {\n      ok\n      message\n    }\n  }\n": typeof types.TestChannelDocument,
    "\n  query Collections($search: String, $first: Int, $after: String) {\n    collections(search: $search, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          updatedAt\n          lastRun {\n            id\n            status\n            finishedAt\n            queuedAt\n            durationMs\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.CollectionsDocument,
    "\n  mutation CreateCollection($input: CollectionInput!) {\n    createCollection(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateCollectionDocument,
    "\n  mutation DeleteCollection($id: ID!) {\n    deleteCollection(id: $id)\n  }\n": typeof types.DeleteCollectionDocument,
    "\n  fragment LocationQueue on Location {\n    name\n    queuedRuns\n    oldestQueuedAt\n    oldestQueuedSeconds\n    monitors\n  }\n": typeof types.LocationQueueFragmentDoc,
    "\n  query Dashboard {\n    incidents(status: [OPEN, ACKNOWLEDGED], first: 20) {\n      id\n      status\n      kind\n      summary\n      openedAt\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      lastRun {\n        id\n      }\n    }\n    locations {\n      ...LocationQueue\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  query CollectionEditor($id: ID!) {\n    collection(id: $id) {\n      id\n      name\n      description\n      updatedAt\n      latestVersion\n      variables {\n        name\n        value\n      }\n      secrets {\n        name\n        isSet\n      }\n      environments {\n        ...EnvironmentFields\n      }\n      steps {\n        id\n        name\n        kind\n        actions\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n        timeoutMs\n        alwaysRun\n        continueOnFailure\n        followRedirects\n        insecure\n        retry {\n          attempts\n          intervalMs\n        }\n        assertions {\n          source\n          property\n          comparison\n          target\n        }\n      }\n      monitors {\n        id\n        name\n      }\n      lastRun {\n        ...RunFields\n      }\n    }\n  }\n": typeof types.CollectionEditorDocument,
    "\n  mutation ReplaceCollection($id: ID!, $input: CollectionInput!) {\n    replaceCollection(id: $id, input: $input) {\n      id\n      updatedAt\n    }\n  }\n": typeof types.ReplaceCollectionDocument,
    "\n  mutation SetSecret($collectionId: ID!, $name: String!, $value: String) {\n    setSecret(collectionId: $collectionId, name: $name, value: $value) {\n      id\n      secrets {\n        name\n        isSet\n      }\n    }\n  }\n": typeof types.SetSecretDocument,
    "\n  query ExportCollection($id: ID!, $format: ExportFormat) {\n    exportCollection(id: $id, format: $format)\n  }\n": typeof types.ExportCollectionDocument,
    "\n  mutation RunCollection($id: ID!, $location: String, $environment: String) {\n    runCollection(id: $id, location: $location, environment: $environment) {\n      ...RunFields\n    }\n  }\n": typeof types.RunCollectionDocument,
    "\n  fragment EnvironmentFields on Environment {\n    name\n    shared\n    variables {\n      name\n      value\n    }\n    secrets {\n      name\n      isSet\n    }\n  }\n": typeof types.EnvironmentFieldsFragmentDoc,
    "\n  mutation SetEnvironment($collectionId: ID, $input: EnvironmentInput!) {\n    setEnvironment(collectionId: $collectionId, input: $input) {\n      ...EnvironmentFields\n    }\n  }\n": typeof types.SetEnvironmentDocument,
    "\n  mutation DeleteEnvironment($collectionId: ID, $name: String!) {\n    deleteEnvironment(collectionId: $collectionId, name: $name)\n  }\n": typeof types.DeleteEnvironmentDocument,
    "\n  mutation ImportCollection($format: ImportFormat!, $document: String!, $options: ImportOptions) {\n    importCollection(format: $format, document: $document, options: $options) {\n      collection {\n        id\n        name\n        steps {\n          id\n        }\n      }\n      warnings\n    }\n  }\n": typeof types.ImportCollectionDocument,
    "\n  fragment DeliveryFields on Delivery {\n    id\n    event\n    status\n    attempts\n    lastError\n    createdAt\n    deliveredAt\n    channel {\n      id\n      name\n      type\n    }\n  }\n": typeof types.DeliveryFieldsFragmentDoc,
    "\n  query Incidents($status: [IncidentStatus!]) {\n    incidents(status: $status, first: 100) {\n      id\n      kind\n      status\n      summary\n      openedAt\n      acknowledgedAt\n      resolvedAt\n      lastNotifiedAt\n      snoozedUntil\n      assignee {\n        id\n        name\n        email\n      }\n      notes {\n        id\n        body\n        createdAt\n        author {\n          id\n          name\n          email\n        }\n      }\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      firstRun {\n        id\n      }\n      lastRun {\n        id\n      }\n      deliveries {\n        ...DeliveryFields\n      }\n    }\n  }\n": typeof types.IncidentsDocument,
    "\n  query ChannelDeliveries($channelId: ID) {\n    deliveries(channelId: $channelId, first: 50) {\n      ...DeliveryFields\n    }\n  }\n": typeof types.ChannelDeliveriesDocument,
    "\n  query DeliveryChannels {\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n": typeof types.DeliveryChannelsDocument,
    "\n  query Assignees {\n    assignees {\n      id\n      name\n      email\n    }\n  }\n": typeof types.AssigneesDocument,
    "\n  mutation AcknowledgeIncident($id: ID!) {\n    acknowledgeIncident(id: $id) {\n      id\n      status\n      acknowledgedAt\n    }\n  }\n": typeof types.AcknowledgeIncidentDocument,
    "\n  mutation AssignIncident($id: ID!, $userId: ID) {\n    assignIncident(id: $id, userId: $userId) {\n      id\n      assignee {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.AssignIncidentDocument,
    "\n  mutation SnoozeIncident($id: ID!, $minutes: Int!) {\n    snoozeIncident(id: $id, minutes: $minutes) {\n      id\n      snoozedUntil\n    }\n  }\n": typeof types.SnoozeIncidentDocument,
    "\n  mutation AddIncidentNote($id: ID!, $body: String!) {\n    addIncidentNote(id: $id, body: $body) {\n      id\n      body\n      createdAt\n    }\n  }\n": typeof types.AddIncidentNoteDocument,
    "\n  fragment WindowFields on MaintenanceWindow {\n    id\n    name\n    mode\n    startsAt\n    endsAt\n    cron\n    durationMinutes\n    timeZone\n    tag\n    active\n    nextOpening {\n      start\n      end\n    }\n    monitors {\n      id\n      name\n    }\n  }\n": typeof types.WindowFieldsFragmentDoc,
    "\n  query Maintenance {\n    maintenanceWindows {\n      ...WindowFields\n    }\n    mutes {\n      id\n      until\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      incident {\n        id\n      }\n    }\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n": typeof types.MaintenanceDocument,
    "\n  mutation CreateWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      ...WindowFields\n    }\n  }\n": typeof types.CreateWindowDocument,
    "\n  mutation DeleteWindow($id: ID!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n": typeof types.DeleteWindowDocument,
    "\n  mutation MuteMonitor($id: ID!, $minutes: Int) {\n    muteMonitor(id: $id, minutes: $minutes) {\n      id\n      until\n      monitor {\n        id\n        maintenance {\n          mutedUntil\n        }\n      }\n    }\n  }\n": typeof types.MuteMonitorDocument,
    "\n  mutation MuteIncident($id: ID!, $minutes: Int) {\n    muteIncident(id: $id, minutes: $minutes) {\n      id\n      until\n    }\n  }\n": typeof types.MuteIncidentDocument,
    "\n  mutation UnmuteMonitor($id: ID!) {\n    unmuteMonitor(id: $id)\n  }\n": typeof types.UnmuteMonitorDocument,
    "\n  query MonitorMaintenance($id: ID!) {\n    monitor(id: $id) {\n      id\n      name\n      tags\n      maintenance {\n        window {\n          id\n          name\n          mode\n        }\n        windowEndsAt\n        mutedUntil\n      }\n    }\n  }\n": typeof types.MonitorMaintenanceDocument,
    "\n  mutation SetMonitorTags($id: ID!, $tags: [String!]!) {\n    setMonitorTags(id: $id, tags: $tags) {\n      id\n      tags\n    }\n  }\n": typeof types.SetMonitorTagsDocument,
    "\n  query MonitorOpenings($id: ID!, $from: Time!, $to: Time!) {\n    monitor(id: $id) {\n      id\n      maintenanceWindows {\n        id\n        openings(from: $from, to: $to) {\n          start\n          end\n        }\n      }\n    }\n  }\n": typeof types.MonitorOpeningsDocument,
    "\n  query Monitor($id: ID!) {\n    monitor(id: $id) {\n      ...MonitorCard\n      channels {\n        id\n        name\n        type\n      }\n      policy {\n        failureThreshold\n        recoveryEnabled\n        recoveryThreshold\n        reminderIntervalMinutes\n        erroredMode\n        minFailedLocations\n      }\n      environments {\n        collection {\n          id\n        }\n        environment\n      }\n      retry {\n        retries\n        delaySeconds\n        location\n      }\n    }\n  }\n": typeof types.MonitorDocument,
    "\n  query MonitorFormOptions {\n    collections(first: 200) {\n      edges {\n        node {\n          id\n          name\n          environments {\n            name\n            shared\n          }\n        }\n      }\n    }\n    locations {\n      name\n    }\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n": typeof types.MonitorFormOptionsDocument,
    "\n  query SchedulePreview($schedule: String!, $timeZone: String) {\n    schedulePreview(schedule: $schedule, timeZone: $timeZone, count: 5)\n  }\n": typeof types.SchedulePreviewDocument,
    "\n  mutation CreateMonitor($input: MonitorInput!) {\n    createMonitor(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateMonitorDocument,
    "\n  mutation UpdateMonitor($id: ID!, $input: MonitorInput!) {\n    updateMonitor(id: $id, input: $input) {\n      id\n    }\n  }\n": typeof types.UpdateMonitorDocument,
    "\n  mutation DeleteMonitor($id: ID!) {\n    deleteMonitor(id: $id)\n  }\n": typeof types.DeleteMonitorDocument,
    "\n  mutation PauseMonitor($id: ID!) {\n    pauseMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n": typeof types.PauseMonitorDocument,
    "\n  mutation ResumeMonitor($id: ID!) {\n    resumeMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n": typeof types.ResumeMonitorDocument,
    "\n  mutation RunMonitorNow($id: ID!) {\n    runMonitorNow(id: $id) {\n      id\n      status\n      location\n    }\n  }\n": typeof types.RunMonitorNowDocument,
    "\n  query MonitorWindowStats($id: ID!, $window: StatsWindow!) {\n    monitorStats(monitorId: $id, range: { window: $window }) {\n      runs\n      passed\n      failed\n      errored\n      missed\n      uptime\n      apdex\n      apdexThresholdMs\n      sloTarget\n      errorBudgetLeft\n      p50Ms\n      p95Ms\n      p99Ms\n      percentilesExact\n      steps {\n        name\n        executed\n        p95Ms\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n      }\n      series {\n        stepSeconds\n        points {\n          at\n          runs\n          uptime\n          apdex\n          avgDurationMs\n        }\n      }\n    }\n  }\n": typeof types.MonitorWindowStatsDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunFields\n      collectionVersion\n      environment\n      retryAttempt\n      retryLimit\n      retried\n      retryOf {\n        id\n      }\n      retryChain {\n        id\n        status\n        retryAttempt\n      }\n    }\n  }\n": typeof types.RunDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.CancelRunDocument,
    "\n  query Runs($collectionId: ID, $monitorId: ID, $status: [RunStatus!], $location: String, $since: Time, $until: Time, $first: Int, $after: String, $tag: String) {\n    runs(collectionId: $collectionId, monitorId: $monitorId, status: $status, location: $location, since: $since, until: $until, first: $first, after: $after, tag: $tag) {\n      edges {\n        cursor\n        node {\n          id\n          collectionName\n          collection {\n            id\n          }\n          monitor {\n            id\n            name\n          }\n          location\n          trigger\n          status\n          error\n          quiet\n          environment\n          retryAttempt\n          retried\n          queuedAt\n          finishedAt\n          durationMs\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.RunsDocument,
    "\n  query LastPassingRun($collectionId: ID!, $until: Time) {\n    runs(collectionId: $collectionId, status: [PASSED], until: $until, first: 1) {\n      edges {\n        node {\n          ...RunFields\n        }\n      }\n    }\n  }\n": typeof types.LastPassingRunDocument,
    "\n  query RunFilterOptions {\n    monitors(first: 50) {\n      edges {\n        node {\n          id\n          name\n          locations\n        }\n      }\n    }\n    collections(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n": typeof types.RunFilterOptionsDocument,
    "\n  query AuditEntries($filter: AuditFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          at\n          actor\n          action\n          objectType\n          objectId\n          outcome\n          errorCode\n          clientIp\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AuditEntriesDocument,
    "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      expiresAt\n      revokedAt\n    }\n  }\n": typeof types.ApiTokensDocument,
    "\n  mutation CreateApiToken($name: String!, $expiresInDays: Int) {\n    createApiToken(name: $name, expiresInDays: $expiresInDays) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  query Users {\n    users {\n      id\n      email\n      name\n      role\n      createdAt\n    }\n  }\n": typeof types.UsersDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n      role\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n": typeof types.DeleteUserDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n": typeof types.ChangePasswordDocument,
    "\n  fragment StatusPageFields on StatusPage {\n    id\n    slug\n    title\n    description\n    showLatency\n    path\n    updatedAt\n    groups {\n      name\n      monitors {\n        monitorId\n        displayName\n        monitor {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.StatusPageFieldsFragmentDoc,
    "\n  query StatusPages {\n    statusPages {\n      ...StatusPageFields\n    }\n  }\n": typeof types.StatusPagesDocument,
    "\n  query StatusPage($id: ID!) {\n    statusPage(id: $id) {\n      ...StatusPageFields\n    }\n  }\n": typeof types.StatusPageDocument,
    "\n  query StatusPageMonitors {\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.StatusPageMonitorsDocument,
    "\n  mutation CreateStatusPage($input: StatusPageInput!) {\n    createStatusPage(input: $input) {\n      ...StatusPageFields\n    }\n  }\n": typeof types.CreateStatusPageDocument,
    "\n  mutation UpdateStatusPage($id: ID!, $input: StatusPageInput!) {\n    updateStatusPage(id: $id, input: $input) {\n      ...StatusPageFields\n    }\n  }\n": typeof types.UpdateStatusPageDocument,
    "\n  mutation DeleteStatusPage($id: ID!) {\n    deleteStatusPage(id: $id)\n  }\n": typeof types.DeleteStatusPageDocument,
    "\n  query MonitorBadge($id: ID!) {\n    monitor(id: $id) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n": typeof types.MonitorBadgeDocument,
    "\n  mutation SetMonitorBadge($id: ID!, $enabled: Boolean!) {\n    setMonitorBadge(id: $id, enabled: $enabled) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n": typeof types.SetMonitorBadgeDocument,
    "\n  query IncidentPublicNote($id: ID!) {\n    incidentPublicNote(incidentId: $id) {\n      body\n      updatedAt\n    }\n  }\n": typeof types.IncidentPublicNoteDocument,
    "\n  mutation SetIncidentPublicNote($id: ID!, $note: String!) {\n    setIncidentPublicNote(id: $id, note: $note) {\n      id\n      publicNote {\n        body\n        updatedAt\n      }\n    }\n  }\n": typeof types.SetIncidentPublicNoteDocument,
    "\n  query Versions($objectType: VersionObjectType!, $objectId: ID!, $first: Int, $after: String) {\n    versions(objectType: $objectType, objectId: $objectId, first: $first, after: $after) {\n      edges {\n        node {\n          version\n          actor\n          createdAt\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.VersionsDocument,
    "\n  query VersionDetail($objectType: VersionObjectType!, $objectId: ID!, $version: Int!) {\n    version(objectType: $objectType, objectId: $objectId, version: $version) {\n      version\n      actor\n      createdAt\n      summary\n      document\n      diff\n      diffToCurrent\n    }\n  }\n": typeof types.VersionDetailDocument,
    "\n  mutation RestoreCollectionVersion($id: ID!, $version: Int!) {\n    restoreCollectionVersion(id: $id, version: $version) {\n      id\n      latestVersion\n      updatedAt\n    }\n  }\n": typeof types.RestoreCollectionVersionDocument,
    "\n  mutation RestoreMonitorVersion($id: ID!, $version: Int!) {\n    restoreMonitorVersion(id: $id, version: $version) {\n      id\n      name\n      schedule\n    }\n  }\n": typeof types.RestoreMonitorVersionDocument,
    "\n  query Viewer {\n    me {\n      id\n      email\n      name\n      role\n    }\n    setupRequired\n  }\n": typeof types.ViewerDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) {\n      ...RunFields\n    }\n  }\n": typeof types.RunUpdatedDocument,
    "\n  fragment MonitorCard on Monitor {\n    id\n    name\n    schedule\n    timeZone\n    enabled\n    state\n    locations\n    nextRunAt\n    tags\n    maintenance {\n      window {\n        name\n        mode\n      }\n      windowEndsAt\n      mutedUntil\n    }\n    collections {\n      id\n      name\n    }\n    stats {\n      uptime24h\n      uptime7d\n      p95LatencyMs24h\n      p95LatencyMs7d\n      apdex7d\n      errorBudgetLeft7d\n      runs24h\n      latencyMs\n      latest {\n        at\n        durationMs\n        status\n      }\n    }\n  }\n": typeof types.MonitorCardFragmentDoc,
    "\n  query Monitors($first: Int, $after: String) {\n    monitors(first: $first, after: $after) {\n      edges {\n        node {\n          ...MonitorCard\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MonitorsDocument,
};
const documents: Documents = {
    "\n  fragment BrowserStepFields on StepResult {\n    browser {\n      finalUrl\n      actions {\n        index\n        action\n        status\n        error\n        durationMs\n      }\n      extracted {\n        name\n        value\n      }\n      consoleErrors\n      failedRequests {\n        method\n        url\n        status\n        error\n        blocked\n      }\n      timings {\n        domContentLoadedMs\n        loadMs\n        lcpMs\n      }\n      screenshots {\n        runId\n        stepPosition\n        position\n        name\n        action\n        auto\n        size\n      }\n    }\n  }\n": types.BrowserStepFieldsFragmentDoc,
    "\n  query RunScreenshots($id: ID!) {\n    run(id: $id) {\n      id\n      steps {\n        position\n        browser {\n          screenshots {\n            position\n            dataUrl\n          }\n        }\n      }\n    }\n  }\n": types.RunScreenshotsDocument,
    "\n  fragment RunFields on Run {\n    id\n    collectionName\n    collection {\n      id\n      name\n    }\n    monitor {\n      id\n      name\n    }\n    location\n    trigger\n    status\n    quiet\n    attempt\n    error\n    scheduledFor\n    queuedAt\n    startedAt\n    finishedAt\n    durationMs\n    steps {\n      position\n      name\n      status\n      errorCode\n      error\n      traceId\n      tries\n      insecure\n      startedAt\n      request {\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n      }\n      response {\n        status\n        headers {\n          name\n          value\n        }\n        body\n        bodyTruncated\n        size\n      }\n      timings {\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n        totalMs\n      }\n      assertions {\n        source\n        property\n        comparison\n        target\n        expected\n        actual\n        passed\n        reason\n      }\n      ...BrowserStepFields\n    }\n  }\n": types.RunFieldsFragmentDoc,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      id\n      email\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Setup($token: String!, $email: String!, $name: String!, $password: String!) {\n    setup(token: $token, email: $email, name: $name, password: $password) {\n      id\n      email\n    }\n  }\n": types.SetupDocument,
    "\n  query Channels {\n    alertChannels {\n      id\n      name\n      type\n      config {\n        key\n        value\n      }\n      lastError\n      lastErrorAt\n      updatedAt\n    }\n  }\n": types.ChannelsDocument,
    "\n  mutation CreateChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      id\n    }\n  }\n": types.CreateChannelDocument,
    "\n  mutation UpdateChannel($id: ID!, $input: AlertChannelInput!) {\n    updateAlertChannel(id: $id, input: $input) {\n      id\n    }\n  }\n": types.UpdateChannelDocument,
    "\n  mutation DeleteChannel($id: ID!) {\n    deleteAlertChannel(id: $id)\n  }\n": types.DeleteChannelDocument,
    "\n  mutation TestChannel($id: ID!) {\n    testAlertChannel(id: $id) {\n      ok\n      message\n    }\n  }\n": types.TestChannelDocument,
    "\n  query Collections($search: String, $first: Int, $after: String) {\n    collections(search: $search, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          updatedAt\n          lastRun {\n            id\n            status\n            finishedAt\n            queuedAt\n            durationMs\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.CollectionsDocument,
    "\n  mutation CreateCollection($input: CollectionInput!) {\n    createCollection(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateCollectionDocument,
    "\n  mutation DeleteCollection($id: ID!) {\n    deleteCollection(id: $id)\n  }\n": types.DeleteCollectionDocument,
    "\n  fragment LocationQueue on Location {\n    name\n    queuedRuns\n    oldestQueuedAt\n    oldestQueuedSeconds\n    monitors\n  }\n": types.LocationQueueFragmentDoc,
    "\n  query Dashboard {\n    incidents(status: [OPEN, ACKNOWLEDGED], first: 20) {\n      id\n      status\n      kind\n      summary\n      openedAt\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      lastRun {\n        id\n      }\n    }\n    locations {\n      ...LocationQueue\n    }\n  }\n": types.DashboardDocument,
    "\n  query CollectionEditor($id: ID!) {\n    collection(id: $id) {\n      id\n      name\n      description\n      updatedAt\n      latestVersion\n      variables {\n        name\n        value\n      }\n      secrets {\n        name\n        isSet\n      }\n      environments {\n        ...EnvironmentFields\n      }\n      steps {\n        id\n        name\n        kind\n        actions\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n        timeoutMs\n        alwaysRun\n        continueOnFailure\n        followRedirects\n        insecure\n        retry {\n          attempts\n          intervalMs\n        }\n        assertions {\n          source\n          property\n          comparison\n          target\n        }\n      }\n      monitors {\n        id\n        name\n      }\n      lastRun {\n        ...RunFields\n      }\n    }\n  }\n": types.CollectionEditorDocument,
    "\n  mutation ReplaceCollection($id: ID!, $input: CollectionInput!) {\n    replaceCollection(id: $id, input: $input) {\n      id\n      updatedAt\n    }\n  }\n": types.ReplaceCollectionDocument,
    "\n  mutation SetSecret($collectionId: ID!, $name: String!, $value: String) {\n    setSecret(collectionId: $collectionId, name: $name, value: $value) {\n      id\n      secrets {\n        name\n        isSet\n      }\n    }\n  }\n": types.SetSecretDocument,
    "\n  query ExportCollection($id: ID!, $format: ExportFormat) {\n    exportCollection(id: $id, format: $format)\n  }\n": types.ExportCollectionDocument,
    "\n  mutation RunCollection($id: ID!, $location: String, $environment: String) {\n    runCollection(id: $id, location: $location, environment: $environment) {\n      ...RunFields\n    }\n  }\n": types.RunCollectionDocument,
    "\n  fragment EnvironmentFields on Environment {\n    name\n    shared\n    variables {\n      name\n      value\n    }\n    secrets {\n      name\n      isSet\n    }\n  }\n": types.EnvironmentFieldsFragmentDoc,
    "\n  mutation SetEnvironment($collectionId: ID, $input: EnvironmentInput!) {\n    setEnvironment(collectionId: $collectionId, input: $input) {\n      ...EnvironmentFields\n    }\n  }\n": types.SetEnvironmentDocument,
    "\n  mutation DeleteEnvironment($collectionId: ID, $name: String!) {\n    deleteEnvironment(collectionId: $collectionId, name: $name)\n  }\n": types.DeleteEnvironmentDocument,
    "\n  mutation ImportCollection($format: ImportFormat!, $document: String!, $options: ImportOptions) {\n    importCollection(format: $format, document: $document, options: $options) {\n      collection {\n        id\n        name\n        steps {\n          id\n        }\n      }\n      warnings\n    }\n  }\n": types.ImportCollectionDocument,
    "\n  fragment DeliveryFields on Delivery {\n    id\n    event\n    status\n    attempts\n    lastError\n    createdAt\n    deliveredAt\n    channel {\n      id\n      name\n      type\n    }\n  }\n": types.DeliveryFieldsFragmentDoc,
    "\n  query Incidents($status: [IncidentStatus!]) {\n    incidents(status: $status, first: 100) {\n      id\n      kind\n      status\n      summary\n      openedAt\n      acknowledgedAt\n      resolvedAt\n      lastNotifiedAt\n      snoozedUntil\n      assignee {\n        id\n        name\n        email\n      }\n      notes {\n        id\n        body\n        createdAt\n        author {\n          id\n          name\n          email\n        }\n      }\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      firstRun {\n        id\n      }\n      lastRun {\n        id\n      }\n      deliveries {\n        ...DeliveryFields\n      }\n    }\n  }\n": types.IncidentsDocument,
    "\n  query ChannelDeliveries($channelId: ID) {\n    deliveries(channelId: $channelId, first: 50) {\n      ...DeliveryFields\n    }\n  }\n": types.ChannelDeliveriesDocument,
    "\n  query DeliveryChannels {\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n": types.DeliveryChannelsDocument,
    "\n  query Assignees {\n    assignees {\n      id\n      name\n      email\n    }\n  }\n": types.AssigneesDocument,
    "\n  mutation AcknowledgeIncident($id: ID!) {\n    acknowledgeIncident(id: $id) {\n      id\n      status\n      acknowledgedAt\n    }\n  }\n": types.AcknowledgeIncidentDocument,
    "\n  mutation AssignIncident($id: ID!, $userId: ID) {\n    assignIncident(id: $id, userId: $userId) {\n      id\n      assignee {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.AssignIncidentDocument,
    "\n  mutation SnoozeIncident($id: ID!, $minutes: Int!) {\n    snoozeIncident(id: $id, minutes: $minutes) {\n      id\n      snoozedUntil\n    }\n  }\n": types.SnoozeIncidentDocument,
    "\n  mutation AddIncidentNote($id: ID!, $body: String!) {\n    addIncidentNote(id: $id, body: $body) {\n      id\n      body\n      createdAt\n    }\n  }\n": types.AddIncidentNoteDocument,
    "\n  fragment WindowFields on MaintenanceWindow {\n    id\n    name\n    mode\n    startsAt\n    endsAt\n    cron\n    durationMinutes\n    timeZone\n    tag\n    active\n    nextOpening {\n      start\n      end\n    }\n    monitors {\n      id\n      name\n    }\n  }\n": types.WindowFieldsFragmentDoc,
    "\n  query Maintenance {\n    maintenanceWindows {\n      ...WindowFields\n    }\n    mutes {\n      id\n      until\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      incident {\n        id\n      }\n    }\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n": types.MaintenanceDocument,
    "\n  mutation CreateWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      ...WindowFields\n    }\n  }\n": types.CreateWindowDocument,
    "\n  mutation DeleteWindow($id: ID!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n": types.DeleteWindowDocument,
    "\n  mutation MuteMonitor($id: ID!, $minutes: Int) {\n    muteMonitor(id: $id, minutes: $minutes) {\n      id\n      until\n      monitor {\n        id\n        maintenance {\n          mutedUntil\n        }\n      }\n    }\n  }\n": types.MuteMonitorDocument,
    "\n  mutation MuteIncident($id: ID!, $minutes: Int) {\n    muteIncident(id: $id, minutes: $minutes) {\n      id\n      until\n    }\n  }\n": types.MuteIncidentDocument,
    "\n  mutation UnmuteMonitor($id: ID!) {\n    unmuteMonitor(id: $id)\n  }\n": types.UnmuteMonitorDocument,
    "\n  query MonitorMaintenance($id: ID!) {\n    monitor(id: $id) {\n      id\n      name\n      tags\n      maintenance {\n        window {\n          id\n          name\n          mode\n        }\n        windowEndsAt\n        mutedUntil\n      }\n    }\n  }\n": types.MonitorMaintenanceDocument,
    "\n  mutation SetMonitorTags($id: ID!, $tags: [String!]!) {\n    setMonitorTags(id: $id, tags: $tags) {\n      id\n      tags\n    }\n  }\n": types.SetMonitorTagsDocument,
    "\n  query MonitorOpenings($id: ID!, $from: Time!, $to: Time!) {\n    monitor(id: $id) {\n      id\n      maintenanceWindows {\n        id\n        openings(from: $from, to: $to) {\n          start\n          end\n        }\n      }\n    }\n  }\n": types.MonitorOpeningsDocument,
    "\n  query Monitor($id: ID!) {\n    monitor(id: $id) {\n      ...MonitorCard\n      channels {\n        id\n        name\n        type\n      }\n      policy {\n        failureThreshold\n        recoveryEnabled\n        recoveryThreshold\n        reminderIntervalMinutes\n        erroredMode\n        minFailedLocations\n      }\n      environments {\n        collection {\n          id\n        }\n        environment\n      }\n      retry {\n        retries\n        delaySeconds\n        location\n      }\n    }\n  }\n": types.MonitorDocument,
    "\n  query MonitorFormOptions {\n    collections(first: 200) {\n      edges {\n        node {\n          id\n          name\n          environments {\n            name\n            shared\n          }\n        }\n      }\n    }\n    locations {\n      name\n    }\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n": types.MonitorFormOptionsDocument,
    "\n  query SchedulePreview($schedule: String!, $timeZone: String) {\n    schedulePreview(schedule: $schedule, timeZone: $timeZone, count: 5)\n  }\n": types.SchedulePreviewDocument,
    "\n  mutation CreateMonitor($input: MonitorInput!) {\n    createMonitor(input: $input) {\n      id\n    }\n  }\n": types.CreateMonitorDocument,
    "\n  mutation UpdateMonitor($id: ID!, $input: MonitorInput!) {\n    updateMonitor(id: $id, input: $input) {\n      id\n    }\n  }\n": types.UpdateMonitorDocument,
    "\n  mutation DeleteMonitor($id: ID!) {\n    deleteMonitor(id: $id)\n  }\n": types.DeleteMonitorDocument,
    "\n  mutation PauseMonitor($id: ID!) {\n    pauseMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n": types.PauseMonitorDocument,
    "\n  mutation ResumeMonitor($id: ID!) {\n    resumeMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n": types.ResumeMonitorDocument,
    "\n  mutation RunMonitorNow($id: ID!) {\n    runMonitorNow(id: $id) {\n      id\n      status\n      location\n    }\n  }\n": types.RunMonitorNowDocument,
    "\n  query MonitorWindowStats($id: ID!, $window: StatsWindow!) {\n    monitorStats(monitorId: $id, range: { window: $window }) {\n      runs\n      passed\n      failed\n      errored\n      missed\n      uptime\n      apdex\n      apdexThresholdMs\n      sloTarget\n      errorBudgetLeft\n      p50Ms\n      p95Ms\n      p99Ms\n      percentilesExact\n      steps {\n        name\n        executed\n        p95Ms\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n      }\n      series {\n        stepSeconds\n        points {\n          at\n          runs\n          uptime\n          apdex\n          avgDurationMs\n        }\n      }\n    }\n  }\n": types.MonitorWindowStatsDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunFields\n      collectionVersion\n      environment\n      retryAttempt\n      retryLimit\n      retried\n      retryOf {\n        id\n      }\n      retryChain {\n        id\n        status\n        retryAttempt\n      }\n    }\n  }\n": types.RunDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n": types.CancelRunDocument,
    "\n  query Runs($collectionId: ID, $monitorId: ID, $status: [RunStatus!], $location: String, $since: Time, $until: Time, $first: Int, $after: String, $tag: String) {\n    runs(collectionId: $collectionId, monitorId: $monitorId, status: $status, location: $location, since: $since, until: $until, first: $first, after: $after, tag: $tag) {\n      edges {\n        cursor\n        node {\n          id\n          collectionName\n          collection {\n            id\n          }\n          monitor {\n            id\n            name\n          }\n          location\n          trigger\n          status\n          error\n          quiet\n          environment\n          retryAttempt\n          retried\n          queuedAt\n          finishedAt\n          durationMs\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.RunsDocument,
    "\n  query LastPassingRun($collectionId: ID!, $until: Time) {\n    runs(collectionId: $collectionId, status: [PASSED], until: $until, first: 1) {\n      edges {\n        node {\n          ...RunFields\n        }\n      }\n    }\n  }\n": types.LastPassingRunDocument,
    "\n  query RunFilterOptions {\n    monitors(first: 50) {\n      edges {\n        node {\n          id\n          name\n          locations\n        }\n      }\n    }\n    collections(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n": types.RunFilterOptionsDocument,
    "\n  query AuditEntries($filter: AuditFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          at\n          actor\n          action\n          objectType\n          objectId\n          outcome\n          errorCode\n          clientIp\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AuditEntriesDocument,
    "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      expiresAt\n      revokedAt\n    }\n  }\n": types.ApiTokensDocument,
    "\n  mutation CreateApiToken($name: String!, $expiresInDays: Int) {\n    createApiToken(name: $name, expiresInDays: $expiresInDays) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  query Users {\n    users {\n      id\n      email\n      name\n      role\n      createdAt\n    }\n  }\n": types.UsersDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n      role\n    }\n  }\n": types.UpdateUserDocument,
    "\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n": types.DeleteUserDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n": types.ChangePasswordDocument,
    "\n  fragment StatusPageFields on StatusPage {\n    id\n    slug\n    title\n    description\n    showLatency\n    path\n    updatedAt\n    groups {\n      name\n      monitors {\n        monitorId\n        displayName\n        monitor {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.StatusPageFieldsFragmentDoc,
    "\n  query StatusPages {\n    statusPages {\n      ...StatusPageFields\n    }\n  }\n": types.StatusPagesDocument,
    "\n  query StatusPage($id: ID!) {\n    statusPage(id: $id) {\n      ...StatusPageFields\n    }\n  }\n": types.StatusPageDocument,
    "\n  query StatusPageMonitors {\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.StatusPageMonitorsDocument,
    "\n  mutation CreateStatusPage($input: StatusPageInput!) {\n    createStatusPage(input: $input) {\n      ...StatusPageFields\n    }\n  }\n": types.CreateStatusPageDocument,
    "\n  mutation UpdateStatusPage($id: ID!, $input: StatusPageInput!) {\n    updateStatusPage(id: $id, input: $input) {\n      ...StatusPageFields\n    }\n  }\n": types.UpdateStatusPageDocument,
    "\n  mutation DeleteStatusPage($id: ID!) {\n    deleteStatusPage(id: $id)\n  }\n": types.DeleteStatusPageDocument,
    "\n  query MonitorBadge($id: ID!) {\n    monitor(id: $id) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n": types.MonitorBadgeDocument,
    "\n  mutation SetMonitorBadge($id: ID!, $enabled: Boolean!) {\n    setMonitorBadge(id: $id, enabled: $enabled) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n": types.SetMonitorBadgeDocument,
    "\n  query IncidentPublicNote($id: ID!) {\n    incidentPublicNote(incidentId: $id) {\n      body\n      updatedAt\n    }\n  }\n": types.IncidentPublicNoteDocument,
    "\n  mutation SetIncidentPublicNote($id: ID!, $note: String!) {\n    setIncidentPublicNote(id: $id, note: $note) {\n      id\n      publicNote {\n        body\n        updatedAt\n      }\n    }\n  }\n": types.SetIncidentPublicNoteDocument,
    "\n  query Versions($objectType: VersionObjectType!, $objectId: ID!, $first: Int, $after: String) {\n    versions(objectType: $objectType, objectId: $objectId, first: $first, after: $after) {\n      edges {\n        node {\n          version\n          actor\n          createdAt\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.VersionsDocument,
    "\n  query VersionDetail($objectType: VersionObjectType!, $objectId: ID!, $version: Int!) {\n    version(objectType: $objectType, objectId: $objectId, version: $version) {\n      version\n      actor\n      createdAt\n      summary\n      document\n      diff\n      diffToCurrent\n    }\n  }\n": types.VersionDetailDocument,
    "\n  mutation RestoreCollectionVersion($id: ID!, $version: Int!) {\n    restoreCollectionVersion(id: $id, version: $version) {\n      id\n      latestVersion\n      updatedAt\n    }\n  }\n": types.RestoreCollectionVersionDocument,
    "\n  mutation RestoreMonitorVersion($id: ID!, $version: Int!) {\n    restoreMonitorVersion(id: $id, version: $version) {\n      id\n      name\n      schedule\n    }\n  }\n": types.RestoreMonitorVersionDocument,
    "\n  query Viewer {\n    me {\n      id\n      email\n      name\n      role\n    }\n    setupRequired\n  }\n": types.ViewerDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) {\n      ...RunFields\n    }\n  }\n": types.RunUpdatedDocument,
    "\n  fragment MonitorCard on Monitor {\n    id\n    name\n    schedule\n    timeZone\n    enabled\n    state\n    locations\n    nextRunAt\n    tags\n    maintenance {\n      window {\n        name\n        mode\n      }\n      windowEndsAt\n      mutedUntil\n    }\n    collections {\n      id\n      name\n    }\n    stats {\n      uptime24h\n      uptime7d\n      p95LatencyMs24h\n      p95LatencyMs7d\n      apdex7d\n      errorBudgetLeft7d\n      runs24h\n      latencyMs\n      latest {\n        at\n        durationMs\n        status\n      }\n    }\n  }\n": types.MonitorCardFragmentDoc,
    "\n  query Monitors($first: Int, $after: String) {\n    monitors(first: $first, after: $after) {\n      edges {\n        node {\n          ...MonitorCard\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MonitorsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BrowserStepFields on StepResult {\n    browser {\n      finalUrl\n      actions {\n        index\n        action\n        status\n        error\n        durationMs\n      }\n      extracted {\n        name\n        value\n      }\n      consoleErrors\n      failedRequests {\n        method\n        url\n        status\n        error\n        blocked\n      }\n      timings {\n        domContentLoadedMs\n        loadMs\n        lcpMs\n      }\n      screenshots {\n        runId\n        stepPosition\n        position\n        name\n        action\n        auto\n        size\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment BrowserStepFields on StepResult {\n    browser {\n      finalUrl\n      actions {\n        index\n        action\n        status\n        error\n        durationMs\n      }\n      extracted {\n        name\n        value\n      }\n      consoleErrors\n      failedRequests {\n        method\n        url\n        status\n        error\n        blocked\n      }\n      timings {\n        domContentLoadedMs\n        loadMs\n        lcpMs\n      }\n      screenshots {\n        runId\n        stepPosition\n        position\n        name\n        action\n        auto\n        size\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunScreenshots($id: ID!) {\n    run(id: $id) {\n      id\n      steps {\n        position\n        browser {\n          screenshots {\n            position\n            dataUrl\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunScreenshots($id: ID!) {\n    run(id: $id) {\n      id\n      steps {\n        position\n        browser {\n          screenshots {\n            position\n            dataUrl\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunFields on Run {\n    id\n    collectionName\n    collection {\n      id\n      name\n    }\n    monitor {\n      id\n      name\n    }\n    location\n    trigger\n    status\n    quiet\n    attempt\n    error\n    scheduledFor\n    queuedAt\n    startedAt\n    finishedAt\n    durationMs\n    steps {\n      position\n      name\n      status\n      errorCode\n      error\n      traceId\n      tries\n      insecure\n      startedAt\n      request {\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n      }\n      response {\n        status\n        headers {\n          name\n          value\n        }\n        body\n        bodyTruncated\n        size\n      }\n      timings {\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n        totalMs\n      }\n      assertions {\n        source\n        property\n        comparison\n        target\n        expected\n        actual\n        passed\n        reason\n      }\n      ...BrowserStepFields\n    }\n  }\n"): (typeof documents)["\n  fragment RunFields on Run {\n    id\n    collectionName\n    collection {\n      id\n      name\n    }\n    monitor {\n      id\n      name\n    }\n    location\n    trigger\n    status\n    quiet\n    attempt\n    error\n    scheduledFor\n    queuedAt\n    startedAt\n    finishedAt\n    durationMs\n    steps {\n      position\n      name\n      status\n      errorCode\n      error\n      traceId\n      tries\n      insecure\n      startedAt\n      request {\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n      }\n      response {\n        status\n        headers {\n          name\n          value\n        }\n        body\n        bodyTruncated\n        size\n      }\n      timings {\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n        totalMs\n      }\n      assertions {\n        source\n        property\n        comparison\n        target\n        expected\n        actual\n        passed\n        reason\n      }\n      ...BrowserStepFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Setup($token: String!, $email: String!, $name: String!, $password: String!) {\n    setup(token: $token, email: $email, name: $name, password: $password) {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  mutation Setup($token: String!, $email: String!, $name: String!, $password: String!) {\n    setup(token: $token, email: $email, name: $name, password: $password) {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Channels {\n    alertChannels {\n      id\n      name\n      type\n      config {\n        key\n        value\n      }\n      lastError\n      lastErrorAt\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  query Channels {\n    alertChannels {\n      id\n      name\n      type\n      config {\n        key\n        value\n      }\n      lastError\n      lastErrorAt\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateChannel($id: ID!, $input: AlertChannelInput!) {\n    updateAlertChannel(id: $id, input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateChannel($id: ID!, $input: AlertChannelInput!) {\n    updateAlertChannel(id: $id, input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteChannel($id: ID!) {\n    deleteAlertChannel(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteChannel($id: ID!) {\n    deleteAlertChannel(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestChannel($id: ID!) {\n    testAlertChannel(id: $id) {\n      ok\n      message\n    }\n  }\n"): (typeof documents)["\n  mutation TestChannel($id: ID!) {\n    testAlertChannel(id: $id) {\n      ok\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Collections($search: String, $first: Int, $after: String) {\n    collections(search: $search, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          updatedAt\n          lastRun {\n            id\n            status\n            finishedAt\n            queuedAt\n            durationMs\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Collections($search: String, $first: Int, $after: String) {\n    collections(search: $search, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          updatedAt\n          lastRun {\n            id\n            status\n            finishedAt\n            queuedAt\n            durationMs\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCollection($input: CollectionInput!) {\n    createCollection(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateCollection($input: CollectionInput!) {\n    createCollection(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteCollection($id: ID!) {\n    deleteCollection(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteCollection($id: ID!) {\n    deleteCollection(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LocationQueue on Location {\n    name\n    queuedRuns\n    oldestQueuedAt\n    oldestQueuedSeconds\n    monitors\n  }\n"): (typeof documents)["\n  fragment LocationQueue on Location {\n    name\n    queuedRuns\n    oldestQueuedAt\n    oldestQueuedSeconds\n    monitors\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard {\n    incidents(status: [OPEN, ACKNOWLEDGED], first: 20) {\n      id\n      status\n      kind\n      summary\n      openedAt\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      lastRun {\n        id\n      }\n    }\n    locations {\n      ...LocationQueue\n    }\n  }\n"): (typeof documents)["\n  query Dashboard {\n    incidents(status: [OPEN, ACKNOWLEDGED], first: 20) {\n      id\n      status\n      kind\n      summary\n      openedAt\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      lastRun {\n        id\n      }\n    }\n    locations {\n      ...LocationQueue\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CollectionEditor($id: ID!) {\n    collection(id: $id) {\n      id\n      name\n      description\n      updatedAt\n      latestVersion\n      variables {\n        name\n        value\n      }\n      secrets {\n        name\n        isSet\n      }\n      environments {\n        ...EnvironmentFields\n      }\n      steps {\n        id\n        name\n        kind\n        actions\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n        timeoutMs\n        alwaysRun\n        continueOnFailure\n        followRedirects\n        insecure\n        retry {\n          attempts\n          intervalMs\n        }\n        assertions {\n          source\n          property\n          comparison\n          target\n        }\n      }\n      monitors {\n        id\n        name\n      }\n      lastRun {\n        ...RunFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query CollectionEditor($id: ID!) {\n    collection(id: $id) {\n      id\n      name\n      description\n      updatedAt\n      latestVersion\n      variables {\n        name\n        value\n      }\n      secrets {\n        name\n        isSet\n      }\n      environments {\n        ...EnvironmentFields\n      }\n      steps {\n        id\n        name\n        kind\n        actions\n        method\n        url\n        headers {\n          name\n          value\n        }\n        body\n        timeoutMs\n        alwaysRun\n        continueOnFailure\n        followRedirects\n        insecure\n        retry {\n          attempts\n          intervalMs\n        }\n        assertions {\n          source\n          property\n          comparison\n          target\n        }\n      }\n      monitors {\n        id\n        name\n      }\n      lastRun {\n        ...RunFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReplaceCollection($id: ID!, $input: CollectionInput!) {\n    replaceCollection(id: $id, input: $input) {\n      id\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation ReplaceCollection($id: ID!, $input: CollectionInput!) {\n    replaceCollection(id: $id, input: $input) {\n      id\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetSecret($collectionId: ID!, $name: String!, $value: String) {\n    setSecret(collectionId: $collectionId, name: $name, value: $value) {\n      id\n      secrets {\n        name\n        isSet\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetSecret($collectionId: ID!, $name: String!, $value: String) {\n    setSecret(collectionId: $collectionId, name: $name, value: $value) {\n      id\n      secrets {\n        name\n        isSet\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExportCollection($id: ID!, $format: ExportFormat) {\n    exportCollection(id: $id, format: $format)\n  }\n"): (typeof documents)["\n  query ExportCollection($id: ID!, $format: ExportFormat) {\n    exportCollection(id: $id, format: $format)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunCollection($id: ID!, $location: String, $environment: String) {\n    runCollection(id: $id, location: $location, environment: $environment) {\n      ...RunFields\n    }\n  }\n"): (typeof documents)["\n  mutation RunCollection($id: ID!, $location: String, $environment: String) {\n    runCollection(id: $id, location: $location, environment: $environment) {\n      ...RunFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EnvironmentFields on Environment {\n    name\n    shared\n    variables {\n      name\n      value\n    }\n    secrets {\n      name\n      isSet\n    }\n  }\n"): (typeof documents)["\n  fragment EnvironmentFields on Environment {\n    name\n    shared\n    variables {\n      name\n      value\n    }\n    secrets {\n      name\n      isSet\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetEnvironment($collectionId: ID, $input: EnvironmentInput!) {\n    setEnvironment(collectionId: $collectionId, input: $input) {\n      ...EnvironmentFields\n    }\n  }\n"): (typeof documents)["\n  mutation SetEnvironment($collectionId: ID, $input: EnvironmentInput!) {\n    setEnvironment(collectionId: $collectionId, input: $input) {\n      ...EnvironmentFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteEnvironment($collectionId: ID, $name: String!) {\n    deleteEnvironment(collectionId: $collectionId, name: $name)\n  }\n"): (typeof documents)["\n  mutation DeleteEnvironment($collectionId: ID, $name: String!) {\n    deleteEnvironment(collectionId: $collectionId, name: $name)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportCollection($format: ImportFormat!, $document: String!, $options: ImportOptions) {\n    importCollection(format: $format, document: $document, options: $options) {\n      collection {\n        id\n        name\n        steps {\n          id\n        }\n      }\n      warnings\n    }\n  }\n"): (typeof documents)["\n  mutation ImportCollection($format: ImportFormat!, $document: String!, $options: ImportOptions) {\n    importCollection(format: $format, document: $document, options: $options) {\n      collection {\n        id\n        name\n        steps {\n          id\n        }\n      }\n      warnings\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DeliveryFields on Delivery {\n    id\n    event\n    status\n    attempts\n    lastError\n    createdAt\n    deliveredAt\n    channel {\n      id\n      name\n      type\n    }\n  }\n"): (typeof documents)["\n  fragment DeliveryFields on Delivery {\n    id\n    event\n    status\n    attempts\n    lastError\n    createdAt\n    deliveredAt\n    channel {\n      id\n      name\n      type\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Incidents($status: [IncidentStatus!]) {\n    incidents(status: $status, first: 100) {\n      id\n      kind\n      status\n      summary\n      openedAt\n      acknowledgedAt\n      resolvedAt\n      lastNotifiedAt\n      snoozedUntil\n      assignee {\n        id\n        name\n        email\n      }\n      notes {\n        id\n        body\n        createdAt\n        author {\n          id\n          name\n          email\n        }\n      }\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      firstRun {\n        id\n      }\n      lastRun {\n        id\n      }\n      deliveries {\n        ...DeliveryFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query Incidents($status: [IncidentStatus!]) {\n    incidents(status: $status, first: 100) {\n      id\n      kind\n      status\n      summary\n      openedAt\n      acknowledgedAt\n      resolvedAt\n      lastNotifiedAt\n      snoozedUntil\n      assignee {\n        id\n        name\n        email\n      }\n      notes {\n        id\n        body\n        createdAt\n        author {\n          id\n          name\n          email\n        }\n      }\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      firstRun {\n        id\n      }\n      lastRun {\n        id\n      }\n      deliveries {\n        ...DeliveryFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChannelDeliveries($channelId: ID) {\n    deliveries(channelId: $channelId, first: 50) {\n      ...DeliveryFields\n    }\n  }\n"): (typeof documents)["\n  query ChannelDeliveries($channelId: ID) {\n    deliveries(channelId: $channelId, first: 50) {\n      ...DeliveryFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeliveryChannels {\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n"): (typeof documents)["\n  query DeliveryChannels {\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Assignees {\n    assignees {\n      id\n      name\n      email\n    }\n  }\n"): (typeof documents)["\n  query Assignees {\n    assignees {\n      id\n      name\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcknowledgeIncident($id: ID!) {\n    acknowledgeIncident(id: $id) {\n      id\n      status\n      acknowledgedAt\n    }\n  }\n"): (typeof documents)["\n  mutation AcknowledgeIncident($id: ID!) {\n    acknowledgeIncident(id: $id) {\n      id\n      status\n      acknowledgedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AssignIncident($id: ID!, $userId: ID) {\n    assignIncident(id: $id, userId: $userId) {\n      id\n      assignee {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AssignIncident($id: ID!, $userId: ID) {\n    assignIncident(id: $id, userId: $userId) {\n      id\n      assignee {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SnoozeIncident($id: ID!, $minutes: Int!) {\n    snoozeIncident(id: $id, minutes: $minutes) {\n      id\n      snoozedUntil\n    }\n  }\n"): (typeof documents)["\n  mutation SnoozeIncident($id: ID!, $minutes: Int!) {\n    snoozeIncident(id: $id, minutes: $minutes) {\n      id\n      snoozedUntil\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddIncidentNote($id: ID!, $body: String!) {\n    addIncidentNote(id: $id, body: $body) {\n      id\n      body\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  mutation AddIncidentNote($id: ID!, $body: String!) {\n    addIncidentNote(id: $id, body: $body) {\n      id\n      body\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WindowFields on MaintenanceWindow {\n    id\n    name\n    mode\n    startsAt\n    endsAt\n    cron\n    durationMinutes\n    timeZone\n    tag\n    active\n    nextOpening {\n      start\n      end\n    }\n    monitors {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment WindowFields on MaintenanceWindow {\n    id\n    name\n    mode\n    startsAt\n    endsAt\n    cron\n    durationMinutes\n    timeZone\n    tag\n    active\n    nextOpening {\n      start\n      end\n    }\n    monitors {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Maintenance {\n    maintenanceWindows {\n      ...WindowFields\n    }\n    mutes {\n      id\n      until\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      incident {\n        id\n      }\n    }\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n"): (typeof documents)["\n  query Maintenance {\n    maintenanceWindows {\n      ...WindowFields\n    }\n    mutes {\n      id\n      until\n      monitor {\n        id\n        name\n      }\n      collection {\n        id\n        name\n      }\n      incident {\n        id\n      }\n    }\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      ...WindowFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      ...WindowFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWindow($id: ID!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteWindow($id: ID!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MuteMonitor($id: ID!, $minutes: Int) {\n    muteMonitor(id: $id, minutes: $minutes) {\n      id\n      until\n      monitor {\n        id\n        maintenance {\n          mutedUntil\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation MuteMonitor($id: ID!, $minutes: Int) {\n    muteMonitor(id: $id, minutes: $minutes) {\n      id\n      until\n      monitor {\n        id\n        maintenance {\n          mutedUntil\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MuteIncident($id: ID!, $minutes: Int) {\n    muteIncident(id: $id, minutes: $minutes) {\n      id\n      until\n    }\n  }\n"): (typeof documents)["\n  mutation MuteIncident($id: ID!, $minutes: Int) {\n    muteIncident(id: $id, minutes: $minutes) {\n      id\n      until\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnmuteMonitor($id: ID!) {\n    unmuteMonitor(id: $id)\n  }\n"): (typeof documents)["\n  mutation UnmuteMonitor($id: ID!) {\n    unmuteMonitor(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MonitorMaintenance($id: ID!) {\n    monitor(id: $id) {\n      id\n      name\n      tags\n      maintenance {\n        window {\n          id\n          name\n          mode\n        }\n        windowEndsAt\n        mutedUntil\n      }\n    }\n  }\n"): (typeof documents)["\n  query MonitorMaintenance($id: ID!) {\n    monitor(id: $id) {\n      id\n      name\n      tags\n      maintenance {\n        window {\n          id\n          name\n          mode\n        }\n        windowEndsAt\n        mutedUntil\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMonitorTags($id: ID!, $tags: [String!]!) {\n    setMonitorTags(id: $id, tags: $tags) {\n      id\n      tags\n    }\n  }\n"): (typeof documents)["\n  mutation SetMonitorTags($id: ID!, $tags: [String!]!) {\n    setMonitorTags(id: $id, tags: $tags) {\n      id\n      tags\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MonitorOpenings($id: ID!, $from: Time!, $to: Time!) {\n    monitor(id: $id) {\n      id\n      maintenanceWindows {\n        id\n        openings(from: $from, to: $to) {\n          start\n          end\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MonitorOpenings($id: ID!, $from: Time!, $to: Time!) {\n    monitor(id: $id) {\n      id\n      maintenanceWindows {\n        id\n        openings(from: $from, to: $to) {\n          start\n          end\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Monitor($id: ID!) {\n    monitor(id: $id) {\n      ...MonitorCard\n      channels {\n        id\n        name\n        type\n      }\n      policy {\n        failureThreshold\n        recoveryEnabled\n        recoveryThreshold\n        reminderIntervalMinutes\n        erroredMode\n        minFailedLocations\n      }\n      environments {\n        collection {\n          id\n        }\n        environment\n      }\n      retry {\n        retries\n        delaySeconds\n        location\n      }\n    }\n  }\n"): (typeof documents)["\n  query Monitor($id: ID!) {\n    monitor(id: $id) {\n      ...MonitorCard\n      channels {\n        id\n        name\n        type\n      }\n      policy {\n        failureThreshold\n        recoveryEnabled\n        recoveryThreshold\n        reminderIntervalMinutes\n        erroredMode\n        minFailedLocations\n      }\n      environments {\n        collection {\n          id\n        }\n        environment\n      }\n      retry {\n        retries\n        delaySeconds\n        location\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MonitorFormOptions {\n    collections(first: 200) {\n      edges {\n        node {\n          id\n          name\n          environments {\n            name\n            shared\n          }\n        }\n      }\n    }\n    locations {\n      name\n    }\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n"): (typeof documents)["\n  query MonitorFormOptions {\n    collections(first: 200) {\n      edges {\n        node {\n          id\n          name\n          environments {\n            name\n            shared\n          }\n        }\n      }\n    }\n    locations {\n      name\n    }\n    alertChannels {\n      id\n      name\n      type\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SchedulePreview($schedule: String!, $timeZone: String) {\n    schedulePreview(schedule: $schedule, timeZone: $timeZone, count: 5)\n  }\n"): (typeof documents)["\n  query SchedulePreview($schedule: String!, $timeZone: String) {\n    schedulePreview(schedule: $schedule, timeZone: $timeZone, count: 5)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateMonitor($input: MonitorInput!) {\n    createMonitor(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateMonitor($input: MonitorInput!) {\n    createMonitor(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMonitor($id: ID!, $input: MonitorInput!) {\n    updateMonitor(id: $id, input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMonitor($id: ID!, $input: MonitorInput!) {\n    updateMonitor(id: $id, input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMonitor($id: ID!) {\n    deleteMonitor(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteMonitor($id: ID!) {\n    deleteMonitor(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PauseMonitor($id: ID!) {\n    pauseMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation PauseMonitor($id: ID!) {\n    pauseMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeMonitor($id: ID!) {\n    resumeMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation ResumeMonitor($id: ID!) {\n    resumeMonitor(id: $id) {\n      id\n      enabled\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunMonitorNow($id: ID!) {\n    runMonitorNow(id: $id) {\n      id\n      status\n      location\n    }\n  }\n"): (typeof documents)["\n  mutation RunMonitorNow($id: ID!) {\n    runMonitorNow(id: $id) {\n      id\n      status\n      location\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MonitorWindowStats($id: ID!, $window: StatsWindow!) {\n    monitorStats(monitorId: $id, range: { window: $window }) {\n      runs\n      passed\n      failed\n      errored\n      missed\n      uptime\n      apdex\n      apdexThresholdMs\n      sloTarget\n      errorBudgetLeft\n      p50Ms\n      p95Ms\n      p99Ms\n      percentilesExact\n      steps {\n        name\n        executed\n        p95Ms\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n      }\n      series {\n        stepSeconds\n        points {\n          at\n          runs\n          uptime\n          apdex\n          avgDurationMs\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MonitorWindowStats($id: ID!, $window: StatsWindow!) {\n    monitorStats(monitorId: $id, range: { window: $window }) {\n      runs\n      passed\n      failed\n      errored\n      missed\n      uptime\n      apdex\n      apdexThresholdMs\n      sloTarget\n      errorBudgetLeft\n      p50Ms\n      p95Ms\n      p99Ms\n      percentilesExact\n      steps {\n        name\n        executed\n        p95Ms\n        dnsMs\n        connectMs\n        tlsMs\n        firstByteMs\n      }\n      series {\n        stepSeconds\n        points {\n          at\n          runs\n          uptime\n          apdex\n          avgDurationMs\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunFields\n      collectionVersion\n      environment\n      retryAttempt\n      retryLimit\n      retried\n      retryOf {\n        id\n      }\n      retryChain {\n        id\n        status\n        retryAttempt\n      }\n    }\n  }\n"): (typeof documents)["\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunFields\n      collectionVersion\n      environment\n      retryAttempt\n      retryLimit\n      retried\n      retryOf {\n        id\n      }\n      retryChain {\n        id\n        status\n        retryAttempt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runs($collectionId: ID, $monitorId: ID, $status: [RunStatus!], $location: String, $since: Time, $until: Time, $first: Int, $after: String, $tag: String) {\n    runs(collectionId: $collectionId, monitorId: $monitorId, status: $status, location: $location, since: $since, until: $until, first: $first, after: $after, tag: $tag) {\n      edges {\n        cursor\n        node {\n          id\n          collectionName\n          collection {\n            id\n          }\n          monitor {\n            id\n            name\n          }\n          location\n          trigger\n          status\n          error\n          quiet\n          environment\n          retryAttempt\n          retried\n          queuedAt\n          finishedAt\n          durationMs\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Runs($collectionId: ID, $monitorId: ID, $status: [RunStatus!], $location: String, $since: Time, $until: Time, $first: Int, $after: String, $tag: String) {\n    runs(collectionId: $collectionId, monitorId: $monitorId, status: $status, location: $location, since: $since, until: $until, first: $first, after: $after, tag: $tag) {\n      edges {\n        cursor\n        node {\n          id\n          collectionName\n          collection {\n            id\n          }\n          monitor {\n            id\n            name\n          }\n          location\n          trigger\n          status\n          error\n          quiet\n          environment\n          retryAttempt\n          retried\n          queuedAt\n          finishedAt\n          durationMs\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LastPassingRun($collectionId: ID!, $until: Time) {\n    runs(collectionId: $collectionId, status: [PASSED], until: $until, first: 1) {\n      edges {\n        node {\n          ...RunFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query LastPassingRun($collectionId: ID!, $until: Time) {\n    runs(collectionId: $collectionId, status: [PASSED], until: $until, first: 1) {\n      edges {\n        node {\n          ...RunFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunFilterOptions {\n    monitors(first: 50) {\n      edges {\n        node {\n          id\n          name\n          locations\n        }\n      }\n    }\n    collections(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n"): (typeof documents)["\n  query RunFilterOptions {\n    monitors(first: 50) {\n      edges {\n        node {\n          id\n          name\n          locations\n        }\n      }\n    }\n    collections(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n    tags\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEntries($filter: AuditFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          at\n          actor\n          action\n          objectType\n          objectId\n          outcome\n          errorCode\n          clientIp\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditEntries($filter: AuditFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      edges {\n        node {\n          id\n          at\n          actor\n          action\n          objectType\n          objectId\n          outcome\n          errorCode\n          clientIp\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      expiresAt\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      expiresAt\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($name: String!, $expiresInDays: Int) {\n    createApiToken(name: $name, expiresInDays: $expiresInDays) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiToken($name: String!, $expiresInDays: Int) {\n    createApiToken(name: $name, expiresInDays: $expiresInDays) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users {\n    users {\n      id\n      email\n      name\n      role\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  query Users {\n    users {\n      id\n      email\n      name\n      role\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StatusPageFields on StatusPage {\n    id\n    slug\n    title\n    description\n    showLatency\n    path\n    updatedAt\n    groups {\n      name\n      monitors {\n        monitorId\n        displayName\n        monitor {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment StatusPageFields on StatusPage {\n    id\n    slug\n    title\n    description\n    showLatency\n    path\n    updatedAt\n    groups {\n      name\n      monitors {\n        monitorId\n        displayName\n        monitor {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StatusPages {\n    statusPages {\n      ...StatusPageFields\n    }\n  }\n"): (typeof documents)["\n  query StatusPages {\n    statusPages {\n      ...StatusPageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StatusPage($id: ID!) {\n    statusPage(id: $id) {\n      ...StatusPageFields\n    }\n  }\n"): (typeof documents)["\n  query StatusPage($id: ID!) {\n    statusPage(id: $id) {\n      ...StatusPageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StatusPageMonitors {\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query StatusPageMonitors {\n    monitors(first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateStatusPage($input: StatusPageInput!) {\n    createStatusPage(input: $input) {\n      ...StatusPageFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateStatusPage($input: StatusPageInput!) {\n    createStatusPage(input: $input) {\n      ...StatusPageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateStatusPage($id: ID!, $input: StatusPageInput!) {\n    updateStatusPage(id: $id, input: $input) {\n      ...StatusPageFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateStatusPage($id: ID!, $input: StatusPageInput!) {\n    updateStatusPage(id: $id, input: $input) {\n      ...StatusPageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteStatusPage($id: ID!) {\n    deleteStatusPage(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteStatusPage($id: ID!) {\n    deleteStatusPage(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MonitorBadge($id: ID!) {\n    monitor(id: $id) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n"): (typeof documents)["\n  query MonitorBadge($id: ID!) {\n    monitor(id: $id) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMonitorBadge($id: ID!, $enabled: Boolean!) {\n    setMonitorBadge(id: $id, enabled: $enabled) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetMonitorBadge($id: ID!, $enabled: Boolean!) {\n    setMonitorBadge(id: $id, enabled: $enabled) {\n      id\n      badge {\n        key\n        path\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IncidentPublicNote($id: ID!) {\n    incidentPublicNote(incidentId: $id) {\n      body\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  query IncidentPublicNote($id: ID!) {\n    incidentPublicNote(incidentId: $id) {\n      body\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetIncidentPublicNote($id: ID!, $note: String!) {\n    setIncidentPublicNote(id: $id, note: $note) {\n      id\n      publicNote {\n        body\n        updatedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetIncidentPublicNote($id: ID!, $note: String!) {\n    setIncidentPublicNote(id: $id, note: $note) {\n      id\n      publicNote {\n        body\n        updatedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Versions($objectType: VersionObjectType!, $objectId: ID!, $first: Int, $after: String) {\n    versions(objectType: $objectType, objectId: $objectId, first: $first, after: $after) {\n      edges {\n        node {\n          version\n          actor\n          createdAt\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Versions($objectType: VersionObjectType!, $objectId: ID!, $first: Int, $after: String) {\n    versions(objectType: $objectType, objectId: $objectId, first: $first, after: $after) {\n      edges {\n        node {\n          version\n          actor\n          createdAt\n          summary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VersionDetail($objectType: VersionObjectType!, $objectId: ID!, $version: Int!) {\n    version(objectType: $objectType, objectId: $objectId, version: $version) {\n      version\n      actor\n      createdAt\n      summary\n      document\n      diff\n      diffToCurrent\n    }\n  }\n"): (typeof documents)["\n  query VersionDetail($objectType: VersionObjectType!, $objectId: ID!, $version: Int!) {\n    version(objectType: $objectType, objectId: $objectId, version: $version) {\n      version\n      actor\n      createdAt\n      summary\n      document\n      diff\n      diffToCurrent\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestoreCollectionVersion($id: ID!, $version: Int!) {\n    restoreCollectionVersion(id: $id, version: $version) {\n      id\n      latestVersion\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RestoreCollectionVersion($id: ID!, $version: Int!) {\n    restoreCollectionVersion(id: $id, version: $version) {\n      id\n      latestVersion\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestoreMonitorVersion($id: ID!, $version: Int!) {\n    restoreMonitorVersion(id: $id, version: $version) {\n      id\n      name\n      schedule\n    }\n  }\n"): (typeof documents)["\n  mutation RestoreMonitorVersion($id: ID!, $version: Int!) {\n    restoreMonitorVersion(id: $id, version: $version) {\n      id\n      name\n      schedule\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    me {\n      id\n      email\n      name\n      role\n    }\n    setupRequired\n  }\n"): (typeof documents)["\n  query Viewer {\n    me {\n      id\n      email\n      name\n      role\n    }\n    setupRequired\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) {\n      ...RunFields\n    }\n  }\n"): (typeof documents)["\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) {\n      ...RunFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MonitorCard on Monitor {\n    id\n    name\n    schedule\n    timeZone\n    enabled\n    state\n    locations\n    nextRunAt\n    tags\n    maintenance {\n      window {\n        name\n        mode\n      }\n      windowEndsAt\n      mutedUntil\n    }\n    collections {\n      id\n      name\n    }\n    stats {\n      uptime24h\n      uptime7d\n      p95LatencyMs24h\n      p95LatencyMs7d\n      apdex7d\n      errorBudgetLeft7d\n      runs24h\n      latencyMs\n      latest {\n        at\n        durationMs\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment MonitorCard on Monitor {\n    id\n    name\n    schedule\n    timeZone\n    enabled\n    state\n    locations\n    nextRunAt\n    tags\n    maintenance {\n      window {\n        name\n        mode\n      }\n      windowEndsAt\n      mutedUntil\n    }\n    collections {\n      id\n      name\n    }\n    stats {\n      uptime24h\n      uptime7d\n      p95LatencyMs24h\n      p95LatencyMs7d\n      apdex7d\n      errorBudgetLeft7d\n      runs24h\n      latencyMs\n      latest {\n        at\n        durationMs\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Monitors($first: Int, $after: String) {\n    monitors(first: $first, after: $after) {\n      edges {\n        node {\n          ...MonitorCard\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Monitors($first: Int, $after: String) {\n    monitors(first: $first, after: $after) {\n      edges {\n        node {\n          ...MonitorCard\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;