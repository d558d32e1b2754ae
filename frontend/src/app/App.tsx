import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { Provider } from 'urql';
import { createClient } from '../lib/client';
import { theme } from './theme';
import { Shell } from './Shell';
import { SessionProvider, RequireSession } from '../features/auth/session';
import { SignInPage } from '../features/auth/SignInPage';
import { SetupPage } from '../features/auth/SetupPage';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { CollectionsPage } from '../features/collections/CollectionsPage';
import { EditorPage } from '../features/editor/EditorPage';
import { RunsPage } from '../features/runs/RunsPage';
import { RunPage } from '../features/runs/RunPage';
import { ComparePage } from '../features/runs/ComparePage';
import { MonitorsPage } from '../features/monitors/MonitorsPage';
import { MonitorFormPage } from '../features/monitors/MonitorFormPage';
import { ChannelsPage } from '../features/channels/ChannelsPage';
import { IncidentsPage } from '../features/incidents/IncidentsPage';
import { ImportPage } from '../features/import/ImportPage';
import { TokensPage } from '../features/settings/TokensPage';
import { UsersPage } from '../features/settings/UsersPage';
import { NotFoundPage } from './NotFoundPage';

export function App() {
  // A new client after sign-out drops every cached result of the old session.
  const [client, setClient] = useState(createClient);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="top-right" />
      <Provider value={client}>
        <BrowserRouter>
          <SessionProvider onReset={() => setClient(createClient())}>
            <Routes>
              <Route path="/signin" element={<SignInPage />} />
              <Route path="/setup" element={<SetupPage />} />
              <Route
                element={
                  <RequireSession>
                    <Shell />
                  </RequireSession>
                }
              >
                <Route index element={<DashboardPage />} />
                <Route path="collections" element={<CollectionsPage />} />
                <Route path="collections/:id" element={<EditorPage />} />
                <Route path="import" element={<ImportPage />} />
                <Route path="runs" element={<RunsPage />} />
                <Route path="runs/:id" element={<RunPage />} />
                <Route path="runs/:id/compare" element={<ComparePage />} />
                <Route path="monitors" element={<MonitorsPage />} />
                <Route path="monitors/new" element={<MonitorFormPage />} />
                <Route path="monitors/:id" element={<MonitorFormPage />} />
                <Route path="channels" element={<ChannelsPage />} />
                <Route path="incidents" element={<IncidentsPage />} />
                <Route path="settings/tokens" element={<TokensPage />} />
                <Route path="settings/users" element={<UsersPage />} />
                <Route path="home" element={<Navigate to="/" replace />} />
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </SessionProvider>
        </BrowserRouter>
      </Provider>
    </MantineProvider>
  );
}
