// CatenaStack: everything Catena needs in one region of an AWS account.
//
//   VPC (2 AZs) ── RDS PostgreSQL (encrypted, backed up, creds in Secrets Manager)
//    │
//    ├─ ECS cluster (EC2 capacity by default, Fargate by flag)
//    │    ├─ gateway service behind an ALB (/readyz health check, HTTPS with a certificate)
//    │    ├─ runner service (target tracking on the queue-age metric)
//    │    └─ migrate task, run by a custom resource before the services roll
//    └─ scheduler-lambda (arm64, provided.al2023) ← EventBridge Scheduler group ← gateway
//
// The gateway runs with CATENA_SCHEDULER=eventbridge: it writes one schedule
// per monitor into the group; the scheduler role invokes only the Lambda.
import * as cdk from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as rds from "aws-cdk-lib/aws-rds";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subs from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";

/** The queue-age metric runners scale on, per location. */
export const QUEUE_METRIC = { namespace: "Catena", metricName: "QueueOldestJobAgeSeconds" };

export interface CatenaProps extends cdk.StackProps {
  /** The Catena image (all roles run it). */
  imageUri: string;
  /** Directory or zip of scheduler-lambda (`make lambda` writes lambda.zip). */
  lambdaAsset: string;
  /** NAT gateways (0 = none: tasks in public subnets with public IPs, endpoints for AWS APIs). */
  natGateways: number;
  /** Interface endpoints for ECR, Logs, Secrets Manager, Scheduler, CloudWatch, SES (and the S3 gateway). */
  vpcEndpoints: boolean;
  /** Fargate instead of EC2 capacity. */
  fargate: boolean;
  /** EC2 instance type of the ECS capacity (arm64). */
  instanceType: string;
  dbInstanceType: string;
  /** PostgreSQL major version: 15, 16 or 17. */
  dbEngineVersion: string;
  dbAllocatedStorageGiB: number;
  /** ACM certificate for HTTPS on the ALB; empty serves HTTP only. */
  certificateArn: string;
  /** SES identity (domain or address) alerts are sent from; empty: no e-mail. */
  sesIdentity: string;
  /** Address alarms are sent to; empty: the SNS topic only. */
  alarmEmail: string;
  gatewayCount: number;
  /** The location name of this region's runners. */
  runnerLocation: string;
  runnerMin: number;
  runnerMax: number;
  logRetentionDays: number;
  /** Regions that get a RunnerRegionStack: the secrets are replicated there. */
  extraRunnerRegions: string[];
}

const SCHEDULE_GROUP = "catena";
/** Secret names, the same in every region the secrets are replicated to. */
export const DATABASE_SECRET_NAME = "catena/database";
export const SECRET_KEY_NAME = "catena/secret-key";
const DB_INSTANCE_ID = "catena-db";

/**
 * taskSecrets are the secrets every Catena task gets: the key, and the
 * database connection as libpq variables from the RDS secret's JSON fields
 * (pgx reads them), so no password is ever in a task definition.
 */
export function taskSecrets(db: secretsmanager.ISecret, key: secretsmanager.ISecret): Record<string, ecs.Secret> {
  return {
    CATENA_SECRET_KEY: ecs.Secret.fromSecretsManager(key),
    PGHOST: ecs.Secret.fromSecretsManager(db, "host"),
    PGPORT: ecs.Secret.fromSecretsManager(db, "port"),
    PGUSER: ecs.Secret.fromSecretsManager(db, "username"),
    PGPASSWORD: ecs.Secret.fromSecretsManager(db, "password"),
  };
}

/** DATABASE_URL for tasks: host, port, user and password come from taskSecrets. */
export const TASK_DATABASE_URL = "postgres:///catena?sslmode=require";

export class CatenaStack extends cdk.Stack {
  readonly dbSecret: secretsmanager.ISecret;
  readonly secretKey: secretsmanager.ISecret;
  readonly database: rds.DatabaseInstance;
  readonly schedulerRole: iam.Role;
  readonly schedulerFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: CatenaProps) {
    super(scope, id, props);
    const retention = retentionDays(props.logRetentionDays);
    const replicas = props.extraRunnerRegions.map((region) => ({ region }));

    // Network: two AZs; with no NAT, tasks get public IPs in public subnets.
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        ...(props.natGateways > 0 ? [{ name: "app", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }] : []),
        { name: "db", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const appSubnets: ec2.SubnetSelection = { subnetType: props.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC };
    if (props.vpcEndpoints) {
      vpc.addGatewayEndpoint("S3", { service: ec2.GatewayVpcEndpointAwsService.S3 });
      const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
        EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        // EventBridge Scheduler has no constant in aws-cdk-lib; its endpoint service is "scheduler".
        Scheduler: new ec2.InterfaceVpcEndpointAwsService("scheduler"),
        Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
      };
      for (const [name, service] of Object.entries(services)) {
        vpc.addInterfaceEndpoint(name, { service, subnets: appSubnets, privateDnsEnabled: true });
      }
    }

    // Database: encrypted, backed up 7 days, credentials generated into Secrets Manager.
    const dbSg = new ec2.SecurityGroup(this, "DatabaseSg", { vpc, description: "Catena PostgreSQL", allowAllOutbound: false });
    this.database = new rds.DatabaseInstance(this, "Database", {
      engine: rds.DatabaseInstanceEngine.postgres({ version: postgresVersion(props.dbEngineVersion) }),
      instanceType: new ec2.InstanceType(props.dbInstanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [dbSg],
      databaseName: "catena",
      credentials: rds.Credentials.fromGeneratedSecret("catena", { secretName: DATABASE_SECRET_NAME, replicaRegions: replicas }),
      allocatedStorage: props.dbAllocatedStorageGiB,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      backupRetention: cdk.Duration.days(7),
      deleteAutomatedBackups: false,
      deletionProtection: true,
      removalPolicy: cdk.RemovalPolicy.SNAPSHOT,
      publiclyAccessible: false,
      instanceIdentifier: DB_INSTANCE_ID,
      cloudwatchLogsExports: ["postgresql"],
    });
    // The exported log group, made here with its retention (rather than by
    // CDK's LogRetention function, which needs logs:PutRetentionPolicy on *).
    const dbLogs = new logs.LogGroup(this, "DatabaseLogs", { logGroupName: `/aws/rds/instance/${DB_INSTANCE_ID}/postgresql`, retention, removalPolicy: cdk.RemovalPolicy.DESTROY });
    this.database.node.addDependency(dbLogs);
    this.dbSecret = this.database.secret!;

    // CATENA_SECRET_KEY: 64 hex digits = 32 bytes, generated by Secrets Manager.
    this.secretKey = new secretsmanager.Secret(this, "SecretKey", {
      secretName: SECRET_KEY_NAME,
      description: "Catena CATENA_SECRET_KEY: decrypts stored secrets; losing it loses them",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false, excludeCharacters: "ghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" },
      replicaRegions: replicas,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    // Alarms go to one topic.
    const alarms = new sns.Topic(this, "Alarms", { displayName: "Catena alarms", enforceSSL: true });
    if (props.alarmEmail) {
      alarms.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    }

    // scheduler-lambda: the target of every schedule; it enqueues the monitor's runs.
    const lambdaSg = new ec2.SecurityGroup(this, "SchedulerLambdaSg", { vpc, description: "scheduler-lambda" });
    dbSg.addIngressRule(lambdaSg, ec2.Port.tcp(5432), "scheduler-lambda to PostgreSQL");
    const lambdaLogs = new logs.LogGroup(this, "SchedulerLambdaLogs", { retention, removalPolicy: cdk.RemovalPolicy.DESTROY });
    const envKey = new kms.Key(this, "LambdaEnvKey", { enableKeyRotation: true, description: "scheduler-lambda environment" });
    this.schedulerFunction = new lambda.Function(this, "SchedulerLambda", {
      description: "Catena scheduler-lambda: enqueues a monitor's runs for one EventBridge Scheduler slot",
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: "bootstrap",
      code: lambda.Code.fromAsset(props.lambdaAsset),
      memorySize: 256,
      timeout: cdk.Duration.seconds(30),
      vpc,
      vpcSubnets: appSubnets,
      allowPublicSubnet: props.natGateways === 0,
      securityGroups: [lambdaSg],
      logGroup: lambdaLogs,
      environmentEncryption: envKey,
      reservedConcurrentExecutions: 50,
      environment: {
        // No password here: the Lambda reads the RDS secret (username,
        // password, host, port, dbname) once at cold start; DATABASE_URL only
        // gives the database and TLS mode the secret's fields fill in.
        DATABASE_SECRET_ARN: this.dbSecret.secretArn,
        DATABASE_URL: TASK_DATABASE_URL,
        CATENA_LOG_FORMAT: "json",
      },
    });
    // GetSecretValue on the database secret only (encrypted with the AWS-managed key, which needs no grant).
    this.schedulerFunction.addToRolePolicy(new iam.PolicyStatement({
      sid: "ReadDatabaseSecret", actions: ["secretsmanager:GetSecretValue"], resources: [this.dbSecret.secretArn],
    }));

    // EventBridge Scheduler: the group, the DLQ and the role that may invoke only that Lambda.
    const group = new scheduler.CfnScheduleGroup(this, "ScheduleGroup", { name: SCHEDULE_GROUP });
    const dlq = new sqs.Queue(this, "ScheduleDlq", { retentionPeriod: cdk.Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    this.schedulerRole = new iam.Role(this, "SchedulerRole", {
      description: "Assumed by EventBridge Scheduler to invoke scheduler-lambda",
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
    });
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [this.schedulerFunction.functionArn] }));
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [dlq.queueArn] }));

    // ECS: one cluster, EC2 capacity (always-on runners) unless fargate.
    const cluster = new ecs.Cluster(this, "Cluster", { vpc });
    let capacity: ecs.AsgCapacityProvider | undefined;
    if (!props.fargate) {
      const asg = new autoscaling.AutoScalingGroup(this, "Capacity", {
        vpc,
        vpcSubnets: appSubnets,
        associatePublicIpAddress: props.natGateways === 0 ? true : undefined,
        instanceType: new ec2.InstanceType(props.instanceType),
        machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.ARM),
        minCapacity: 1,
        maxCapacity: Math.max(2, props.runnerMax + props.gatewayCount),
        requireImdsv2: true,
        blockDevices: [{ deviceName: "/dev/xvda", volume: autoscaling.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: autoscaling.EbsDeviceVolumeType.GP3 }) }],
      });
      capacity = new ecs.AsgCapacityProvider(this, "CapacityProvider", { autoScalingGroup: asg, enableManagedTerminationProtection: false });
      cluster.addAsgCapacityProvider(capacity);
    }

    const image = ecs.ContainerImage.fromRegistry(props.imageUri);
    const secrets = taskSecrets(this.dbSecret, this.secretKey);
    const region = cdk.Stack.of(this).region;
    const baseEnv: Record<string, string> = { DATABASE_URL: TASK_DATABASE_URL, CATENA_LOG_FORMAT: "json", AWS_REGION: region };
    if (props.sesIdentity) {
      Object.assign(baseEnv, { CATENA_EMAIL_PROVIDER: "ses", CATENA_EMAIL_FROM: sesFrom(props.sesIdentity) });
    }
    const taskSg = new ec2.SecurityGroup(this, "TaskSg", { vpc, description: "Catena tasks" });
    dbSg.addIngressRule(taskSg, ec2.Port.tcp(5432), "Catena tasks to PostgreSQL");

    const taskDef = (name: string, cpu: number, memoryMiB: number): ecs.TaskDefinition =>
      new ecs.TaskDefinition(this, `${name}Task`, {
        compatibility: props.fargate ? ecs.Compatibility.FARGATE : ecs.Compatibility.EC2,
        networkMode: ecs.NetworkMode.AWS_VPC,
        cpu: String(cpu),
        memoryMiB: String(memoryMiB),
        // On EC2 the instances' architecture (arm64 AMI) decides; Fargate is told.
        runtimePlatform: props.fargate ? { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX } : undefined,
      });
    const logGroup = (name: string) => new logs.LogGroup(this, `${name}Logs`, { retention, removalPolicy: cdk.RemovalPolicy.DESTROY });
    const container = (td: ecs.TaskDefinition, name: string, command: string[], env: Record<string, string>, memoryMiB: number) =>
      td.addContainer(name, {
        image,
        command,
        environment: { ...baseEnv, ...env },
        secrets,
        memoryLimitMiB: memoryMiB,
        readonlyRootFilesystem: true,
        user: "10001:10001",
        logging: ecs.LogDrivers.awsLogs({ streamPrefix: name, logGroup: logGroup(name) }),
      });
    const service = (name: string, td: ecs.TaskDefinition, desiredCount: number): ecs.BaseService => {
      const common = {
        cluster, taskDefinition: td, desiredCount, securityGroups: [taskSg], vpcSubnets: appSubnets,
        circuitBreaker: { rollback: true }, minHealthyPercent: 100, maxHealthyPercent: 200,
      };
      if (props.fargate) {
        return new ecs.FargateService(this, name, { ...common, assignPublicIp: props.natGateways === 0 });
      }
      return new ecs.Ec2Service(this, name, { ...common, capacityProviderStrategies: [{ capacityProvider: capacity!.capacityProviderName, weight: 1 }] });
    };

    // Gateway: API + GUI behind the ALB, EventBridge mode.
    const gatewayTd = taskDef("Gateway", 512, 1024);
    const gw = container(gatewayTd, "gateway", ["gateway"], {
      CATENA_ADDR: ":8080",
      CATENA_SCHEDULER: "eventbridge",
      CATENA_EB_GROUP: SCHEDULE_GROUP,
      CATENA_EB_LAMBDA_ARN: this.schedulerFunction.functionArn,
      CATENA_EB_ROLE_ARN: this.schedulerRole.roleArn,
      CATENA_EB_DLQ_ARN: dlq.queueArn,
      // The queue age runner scaling and the queue alarm read, published every minute.
      CATENA_CLOUDWATCH_NAMESPACE: QUEUE_METRIC.namespace,
    }, 1024);
    gw.addPortMappings({ containerPort: 8080, name: "http" });
    const scheduleArn = `arn:${this.partition}:scheduler:${region}:${this.account}:schedule/${SCHEDULE_GROUP}/catena-monitor-*`;
    const groupArn = `arn:${this.partition}:scheduler:${region}:${this.account}:schedule-group/${SCHEDULE_GROUP}`;
    gatewayTd.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "ManageCatenaSchedules",
      actions: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
      resources: [scheduleArn],
    }));
    gatewayTd.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "CatenaScheduleGroup",
      actions: ["scheduler:GetScheduleGroup", "scheduler:CreateScheduleGroup"],
      resources: [groupArn],
    }));
    // ListSchedules has no resource-level permissions; it only reads names.
    gatewayTd.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "ListSchedules", actions: ["scheduler:ListSchedules"], resources: ["*"] }));
    gatewayTd.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "PassSchedulerRole",
      actions: ["iam:PassRole"],
      resources: [this.schedulerRole.roleArn],
      conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    }));
    const gatewayService = service("GatewayService", gatewayTd, props.gatewayCount);
    gatewayService.node.addDependency(group);

    const albSg = new ec2.SecurityGroup(this, "AlbSg", { vpc, description: "Catena ALB" });
    const alb = new elbv2.ApplicationLoadBalancer(this, "Alb", { vpc, internetFacing: true, securityGroup: albSg, dropInvalidHeaderFields: true });
    taskSg.addIngressRule(albSg, ec2.Port.tcp(8080), "ALB to gateway");
    const targets = new elbv2.ApplicationTargetGroup(this, "GatewayTargets", {
      vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP,
      targets: [gatewayService],
      healthCheck: { path: "/readyz", healthyHttpCodes: "200", interval: cdk.Duration.seconds(15), timeout: cdk.Duration.seconds(5) },
      deregistrationDelay: cdk.Duration.seconds(30),
    });
    if (props.certificateArn) {
      alb.addListener("Https", {
        port: 443, protocol: elbv2.ApplicationProtocol.HTTPS, sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)], defaultTargetGroups: [targets],
      });
      alb.addRedirect({ sourcePort: 80, targetPort: 443 });
    } else {
      alb.addListener("Http", { port: 80, defaultTargetGroups: [targets] });
    }
    const publicUrl = `${props.certificateArn ? "https" : "http"}://${alb.loadBalancerDnsName}`;
    gw.addEnvironment("CATENA_PUBLIC_URL", publicUrl);

    // Runners: one service for this region's location, scaled on queue age.
    const runnerTd = taskDef("Runner", 512, 1024);
    container(runnerTd, "runner", ["runner", "--location", props.runnerLocation], { CATENA_LOCATION: props.runnerLocation }, 1024);
    const runnerService = service("RunnerService", runnerTd, props.runnerMin);
    const queueAge = new cloudwatch.Metric({ ...QUEUE_METRIC, dimensionsMap: { Location: props.runnerLocation }, statistic: "Maximum", period: cdk.Duration.minutes(1) });
    const scaling = runnerService.autoScaleTaskCount({ minCapacity: props.runnerMin, maxCapacity: props.runnerMax });
    scaling.scaleToTrackCustomMetric("QueueAge", { metric: queueAge, targetValue: 30, scaleInCooldown: cdk.Duration.minutes(5), scaleOutCooldown: cdk.Duration.minutes(1) });

    // Metrics and e-mail: PutMetricData only in the Catena namespace; SES only from the identity.
    for (const td of [gatewayTd, runnerTd]) {
      td.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: "CatenaMetrics",
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"], // PutMetricData has no resource-level permissions; the namespace condition scopes it
        conditions: { StringEquals: { "cloudwatch:namespace": QUEUE_METRIC.namespace } },
      }));
    }
    if (props.sesIdentity) {
      const identity = new ses.EmailIdentity(this, "SesIdentity", { identity: sesIdentityOf(props.sesIdentity) });
      const identityArn = `arn:${this.partition}:ses:${region}:${this.account}:identity/${props.sesIdentity}`;
      for (const td of [gatewayTd, runnerTd]) {
        td.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "SendAlertMail", actions: ["ses:SendEmail", "ses:SendRawEmail"], resources: [identityArn] }));
      }
      new cdk.CfnOutput(this, "SesIdentityName", { value: identity.emailIdentityName });
    }

    // Migrate: a one-off task a custom resource runs (and waits for) on every
    // deployment that changes the image, before the services roll.
    const migrateTd = taskDef("Migrate", 256, 512);
    container(migrateTd, "migrate", ["migrate", "up"], {}, 512);
    const migrate = new MigrateTask(this, "Migrate", {
      cluster, taskDefinition: migrateTd, securityGroup: taskSg, subnets: vpc.selectSubnets(appSubnets).subnetIds,
      assignPublicIp: props.natGateways === 0, fargate: props.fargate, capacityProvider: capacity?.capacityProviderName,
      retention,
    });
    migrate.node.addDependency(this.database);
    gatewayService.node.addDependency(migrate);
    runnerService.node.addDependency(migrate);

    // Alarms: ALB 5xx, queue age, Lambda errors.
    new cloudwatch.Alarm(this, "Alb5xx", {
      alarmDescription: "Catena gateway answers 5xx",
      metric: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: cdk.Duration.minutes(5), statistic: "Sum" }),
      threshold: 10, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new actions.SnsAction(alarms));
    new cloudwatch.Alarm(this, "QueueAge", {
      alarmDescription: `Runs wait more than 2 minutes for a runner in ${props.runnerLocation}`,
      metric: queueAge, threshold: 120, evaluationPeriods: 3, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new actions.SnsAction(alarms));
    new cloudwatch.Alarm(this, "LambdaErrors", {
      alarmDescription: "scheduler-lambda fails: scheduled runs may be missed",
      metric: this.schedulerFunction.metricErrors({ period: cdk.Duration.minutes(5), statistic: "Sum" }),
      threshold: 1, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new actions.SnsAction(alarms));
    new cloudwatch.Alarm(this, "ScheduleDlqMessages", {
      alarmDescription: "EventBridge Scheduler gave up delivering slots (DLQ not empty)",
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: cdk.Duration.minutes(5) }),
      threshold: 1, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new actions.SnsAction(alarms));

    new cdk.CfnOutput(this, "Url", { value: publicUrl, description: "Catena" });
    new cdk.CfnOutput(this, "DatabaseSecretArn", { value: this.dbSecret.secretArn });
    new cdk.CfnOutput(this, "SecretKeyArn", { value: this.secretKey.secretArn });
    new cdk.CfnOutput(this, "DatabaseEndpoint", { value: this.database.dbInstanceEndpointAddress });
  }
}

interface MigrateTaskProps {
  cluster: ecs.ICluster;
  taskDefinition: ecs.TaskDefinition;
  securityGroup: ec2.ISecurityGroup;
  subnets: string[];
  assignPublicIp: boolean;
  fargate: boolean;
  capacityProvider?: string;
  retention: logs.RetentionDays;
}

/**
 * MigrateTask runs the migrate task definition once per change of it and
 * waits until the task stopped: a non-zero exit fails the deployment, so the
 * services never roll onto a schema they do not understand.
 */
export class MigrateTask extends Construct {
  constructor(scope: Construct, id: string, props: MigrateTaskProps) {
    super(scope, id);
    const stack = cdk.Stack.of(this);
    const code = lambda.Code.fromInline(MIGRATE_HANDLER);
    const fnProps = { runtime: lambda.Runtime.NODEJS_22_X, code, timeout: cdk.Duration.minutes(1) };
    const onEvent = new lambda.Function(this, "Start", { ...fnProps, handler: "index.onEvent", logGroup: new logs.LogGroup(this, "StartLogs", { retention: props.retention, removalPolicy: cdk.RemovalPolicy.DESTROY }) });
    const isComplete = new lambda.Function(this, "Wait", { ...fnProps, handler: "index.isComplete", logGroup: new logs.LogGroup(this, "WaitLogs", { retention: props.retention, removalPolicy: cdk.RemovalPolicy.DESTROY }) });
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ["ecs:RunTask"],
      resources: [props.taskDefinition.taskDefinitionArn],
      conditions: { ArnEquals: { "ecs:cluster": props.cluster.clusterArn } },
    }));
    const passRoles = [props.taskDefinition.taskRole.roleArn, props.taskDefinition.executionRole!.roleArn];
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ["iam:PassRole"], resources: passRoles,
      conditions: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    }));
    isComplete.addToRolePolicy(new iam.PolicyStatement({
      actions: ["ecs:DescribeTasks"],
      resources: [`arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task/${props.cluster.clusterName}/*`],
    }));
    const provider = new cr.Provider(this, "Provider", {
      onEventHandler: onEvent, isCompleteHandler: isComplete,
      queryInterval: cdk.Duration.seconds(15), totalTimeout: cdk.Duration.minutes(30),
      logGroup: new logs.LogGroup(this, "ProviderLogs", { retention: props.retention, removalPolicy: cdk.RemovalPolicy.DESTROY }),
    });
    new cdk.CustomResource(this, "Run", {
      serviceToken: provider.serviceToken,
      resourceType: "Custom::CatenaMigrate",
      properties: {
        Cluster: props.cluster.clusterArn,
        TaskDefinition: props.taskDefinition.taskDefinitionArn,
        Subnets: props.subnets,
        SecurityGroups: [props.securityGroup.securityGroupId],
        AssignPublicIp: props.assignPublicIp ? "ENABLED" : "DISABLED",
        LaunchType: props.fargate ? "FARGATE" : "",
        CapacityProvider: props.capacityProvider ?? "",
      },
    });
  }
}

// The custom resource's two handlers (AWS SDK v3, bundled with the Node.js runtime).
const MIGRATE_HANDLER = `
const { ECSClient, RunTaskCommand, DescribeTasksCommand } = require("@aws-sdk/client-ecs");
const ecs = new ECSClient({});
exports.onEvent = async (event) => {
  if (event.RequestType === "Delete") return { PhysicalResourceId: event.PhysicalResourceId };
  const p = event.ResourceProperties;
  const input = {
    cluster: p.Cluster, taskDefinition: p.TaskDefinition, count: 1, startedBy: "catena-migrate",
    networkConfiguration: { awsvpcConfiguration: { subnets: p.Subnets, securityGroups: p.SecurityGroups, assignPublicIp: p.AssignPublicIp } },
  };
  if (p.LaunchType) input.launchType = p.LaunchType;
  else if (p.CapacityProvider) input.capacityProviderStrategy = [{ capacityProvider: p.CapacityProvider, weight: 1 }];
  const out = await ecs.send(new RunTaskCommand(input));
  if (!out.tasks || out.tasks.length !== 1) throw new Error("migrate task did not start: " + JSON.stringify(out.failures));
  return { PhysicalResourceId: out.tasks[0].taskArn };
};
exports.isComplete = async (event) => {
  if (event.RequestType === "Delete") return { IsComplete: true };
  const out = await ecs.send(new DescribeTasksCommand({ cluster: event.ResourceProperties.Cluster, tasks: [event.PhysicalResourceId] }));
  const task = out.tasks && out.tasks[0];
  if (!task || task.lastStatus !== "STOPPED") return { IsComplete: false };
  const c = (task.containers || [])[0] || {};
  if (c.exitCode !== 0) throw new Error("catena migrate up failed (exit " + c.exitCode + "): " + (task.stoppedReason || c.reason || "see the migrate log group"));
  return { IsComplete: true };
};
`;

function retentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === "number");
  if (!allowed.includes(days)) {
    throw new Error(`catena:logRetentionDays=${days} is not a CloudWatch Logs retention (${allowed.join(", ")})`);
  }
  return days as logs.RetentionDays;
}

function postgresVersion(major: string): rds.PostgresEngineVersion {
  const versions: Record<string, rds.PostgresEngineVersion> = {
    "15": rds.PostgresEngineVersion.VER_15,
    "16": rds.PostgresEngineVersion.VER_16,
    "17": rds.PostgresEngineVersion.VER_17,
  };
  const v = versions[major];
  if (!v) throw new Error(`catena:dbEngineVersion=${major} must be one of ${Object.keys(versions).join(", ")}`);
  return v;
}

function sesIdentityOf(identity: string): ses.Identity {
  return identity.includes("@") ? ses.Identity.email(identity) : ses.Identity.domain(identity);
}

function sesFrom(identity: string): string {
  return identity.includes("@") ? identity : `catena@${identity}`;
}
