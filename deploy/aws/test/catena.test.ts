// Template tests of the CDK app (aws-cdk-lib/assertions), run by `npm test`
// with node:test. Nothing here reaches AWS: the stacks synthesize offline
// against a placeholder scheduler-lambda asset.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as cdk from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { buildApp } from "../lib/app";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const root = path.resolve(__dirname, "..", "..");

// A stand-in for `make lambda`'s output: an asset directory with a bootstrap.
const lambdaDir = fs.mkdtempSync(path.join(os.tmpdir(), "catena-lambda-"));
fs.writeFileSync(path.join(lambdaDir, "bootstrap"), "placeholder: the real one is built by make lambda\n");

function defaults(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(root, "cdk.json"), "utf8")).context;
}

function synth(overrides: Record<string, unknown> = {}) {
  process.env.CDK_DEFAULT_ACCOUNT = ACCOUNT;
  process.env.CDK_DEFAULT_REGION = REGION;
  const context = {
    ...defaults(),
    "catena:lambdaAsset": lambdaDir,
    [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: ["us-east-1a", "us-east-1b"],
    [`availability-zones:account=${ACCOUNT}:region=eu-west-1`]: ["eu-west-1a", "eu-west-1b"],
    ...overrides,
  };
  const app = new cdk.App({ context });
  const { main, extra } = buildApp(app);
  return { main: Template.fromStack(main), extra: extra.map((s) => Template.fromStack(s)) };
}

const base = synth();
const full = synth({
  "catena:certificateArn": `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/abc`,
  "catena:sesIdentity": "alerts.example.com",
  "catena:alarmEmail": "ops@example.com",
  "catena:vpcEndpoints": true,
  "catena:extraRunnerRegions": [{ region: "eu-west-1", location: "eu-west-1", count: 2 }],
});
const fargate = synth({ "catena:fargate": true, "catena:natGateways": 0 });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Sid?: string };

function statements(t: Template): { policy: string; s: Statement }[] {
  const out: { policy: string; s: Statement }[] = [];
  for (const [id, p] of Object.entries(t.findResources("AWS::IAM::Policy"))) {
    for (const s of p.Properties.PolicyDocument.Statement as Statement[]) out.push({ policy: id, s });
  }
  for (const [id, r] of Object.entries(t.findResources("AWS::IAM::Role"))) {
    for (const p of (r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]) {
      for (const s of p.PolicyDocument.Statement) out.push({ policy: id, s });
    }
  }
  return out;
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function policiesOfRole(t: Template, roleLogicalPrefix: string): Statement[] {
  return Object.values(t.findResources("AWS::IAM::Policy"))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(roleLogicalPrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

test("VPC: two AZs, one NAT by default, endpoints for the AWS APIs by flag", () => {
  base.main.resourceCountIs("AWS::EC2::VPC", 1);
  base.main.resourceCountIs("AWS::EC2::NatGateway", 1);
  base.main.resourceCountIs("AWS::EC2::Subnet", 6);
  base.main.resourceCountIs("AWS::EC2::VPCEndpoint", 0);
  const endpoints = Object.values(full.main.findResources("AWS::EC2::VPCEndpoint")).map((e) => JSON.stringify(e.Properties.ServiceName));
  for (const svc of ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "scheduler", "monitoring", "s3"]) {
    assert.ok(endpoints.some((n) => n.includes(`.${svc}`)), `no VPC endpoint for ${svc}: ${endpoints}`);
  }
  fargate.main.resourceCountIs("AWS::EC2::NatGateway", 0);
});

test("RDS PostgreSQL: encrypted, backed up, credentials generated into Secrets Manager", () => {
  base.main.hasResourceProperties("AWS::RDS::DBInstance", {
    Engine: "postgres",
    EngineVersion: Match.stringLikeRegexp("^17"),
    DBInstanceClass: "db.t4g.micro",
    StorageEncrypted: true,
    BackupRetentionPeriod: 7,
    DeletionProtection: true,
    PubliclyAccessible: false,
    DBName: "catena",
    AllocatedStorage: "20",
  });
  base.main.hasResource("AWS::RDS::DBInstance", { DeletionPolicy: "Snapshot" });
  base.main.hasResourceProperties("AWS::SecretsManager::Secret", {
    Name: "catena/database",
    GenerateSecretString: Match.objectLike({ GenerateStringKey: "password", SecretStringTemplate: '{"username":"catena"}' }),
  });
  // The Catena key: 64 hex digits.
  base.main.hasResourceProperties("AWS::SecretsManager::Secret", {
    Name: "catena/secret-key",
    GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false, ExcludeCharacters: "ghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" },
  });
  base.main.hasResource("AWS::SecretsManager::Secret", { Properties: Match.objectLike({ Name: "catena/secret-key" }), DeletionPolicy: "Retain" });
});

test("ECS: EC2 capacity by default, Fargate by flag", () => {
  base.main.resourceCountIs("AWS::ECS::Cluster", 1);
  base.main.resourceCountIs("AWS::ECS::CapacityProvider", 1);
  base.main.resourceCountIs("AWS::ECS::Service", 2);
  for (const svc of Object.values(base.main.findResources("AWS::ECS::Service"))) {
    assert.ok(svc.Properties.CapacityProviderStrategy, "EC2 services use the capacity provider");
    assert.deepEqual(svc.Properties.DeploymentConfiguration.DeploymentCircuitBreaker, { Enable: true, Rollback: true });
  }
  fargate.main.resourceCountIs("AWS::AutoScaling::AutoScalingGroup", 0);
  for (const svc of Object.values(fargate.main.findResources("AWS::ECS::Service"))) {
    assert.equal(svc.Properties.LaunchType, "FARGATE");
  }
});

test("gateway behind the ALB: /readyz health check, HTTP without a certificate, HTTPS with one", () => {
  base.main.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", { HealthCheckPath: "/readyz", Port: 8080, TargetType: "ip" });
  base.main.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 80, Protocol: "HTTP", DefaultActions: [Match.objectLike({ Type: "forward" })] });
  base.main.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
  full.main.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 443, Protocol: "HTTPS", Certificates: [{ CertificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/abc` }] });
  full.main.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 80, DefaultActions: [Match.objectLike({ Type: "redirect", RedirectConfig: Match.objectLike({ Port: "443", Protocol: "HTTPS" }) })] });
  base.main.hasResourceProperties("AWS::ECS::TaskDefinition", {
    ContainerDefinitions: [Match.objectLike({
      Name: "gateway", Command: ["gateway"], ReadonlyRootFilesystem: true, User: "10001:10001",
      PortMappings: [Match.objectLike({ ContainerPort: 8080 })],
      Environment: Match.arrayWith([{ Name: "CATENA_SCHEDULER", Value: "eventbridge" }, { Name: "CATENA_EB_GROUP", Value: "catena" }]),
    })],
  });
});

test("runners: target tracking on the location's queue age", () => {
  base.main.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", { MinCapacity: 1, MaxCapacity: 4, ScalableDimension: "ecs:service:DesiredCount" });
  base.main.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
    PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: Match.objectLike({
      TargetValue: 30,
      CustomizedMetricSpecification: Match.objectLike({ Namespace: "Catena", MetricName: "QueueOldestJobAgeSeconds", Dimensions: [{ Name: "Location", Value: "us-east-1" }], Statistic: "Maximum" }),
    }),
  });
  base.main.hasResourceProperties("AWS::ECS::TaskDefinition", {
    ContainerDefinitions: [Match.objectLike({ Name: "runner", Command: ["runner", "--location", "us-east-1"] })],
  });
});

test("migrate runs as a custom resource before both services", () => {
  const migrate = base.main.findResources("Custom::CatenaMigrate");
  const ids = Object.keys(migrate);
  assert.equal(ids.length, 1);
  assert.ok(JSON.stringify(Object.values(migrate)[0].Properties.TaskDefinition).includes("MigrateTask"));
  for (const [id, svc] of Object.entries(base.main.findResources("AWS::ECS::Service"))) {
    assert.ok((svc.DependsOn as string[]).some((d) => d.startsWith("Migrate")), `${id} does not wait for the migration: ${svc.DependsOn}`);
  }
  base.main.hasResourceProperties("AWS::ECS::TaskDefinition", { ContainerDefinitions: [Match.objectLike({ Name: "migrate", Command: ["migrate", "up"] })] });
});

test("scheduler-lambda, schedule group, DLQ", () => {
  base.main.hasResourceProperties("AWS::Lambda::Function", {
    Runtime: "provided.al2023", Architectures: ["arm64"], Handler: "bootstrap",
    VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }), KmsKeyArn: Match.anyValue(),
  });
  // The Lambda gets the database secret's ARN, never its value: no password
  // and no dynamic reference in its environment; it may read that secret only.
  const fns = Object.entries(base.main.findResources("AWS::Lambda::Function", { Properties: { Runtime: "provided.al2023" } }));
  assert.equal(fns.length, 1);
  const vars = fns[0][1].Properties.Environment.Variables;
  const secretRef = base.main.toJSON().Outputs.DatabaseSecretArn.Value;
  assert.deepEqual(vars.DATABASE_SECRET_ARN, secretRef);
  assert.equal(vars.DATABASE_URL, "postgres:///catena?sslmode=require");
  assert.doesNotMatch(JSON.stringify(vars), /resolve:secretsmanager|password|SecretString/i);
  const lambdaSt = policiesOfRole(base.main, "SchedulerLambdaServiceRole").filter((st) => actionsOf(st).some((a) => a.startsWith("secretsmanager:")));
  assert.equal(lambdaSt.length, 1);
  assert.equal(lambdaSt[0].Sid, "ReadDatabaseSecret");
  assert.deepEqual(actionsOf(lambdaSt[0]), ["secretsmanager:GetSecretValue"]);
  assert.deepEqual(lambdaSt[0].Resource, secretRef);
  base.main.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "catena" });
  base.main.hasResourceProperties("AWS::SQS::Queue", { MessageRetentionPeriod: 1209600 });
});

test("IAM: the scheduler role may invoke only scheduler-lambda", () => {
  base.main.hasResourceProperties("AWS::IAM::Role", {
    AssumeRolePolicyDocument: { Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } }], Version: "2012-10-17" },
  });
  const st = policiesOfRole(base.main, "SchedulerRole");
  assert.deepEqual(st.map((s) => s.Action).sort(), ["lambda:InvokeFunction", "sqs:SendMessage"]);
  const invoke = st.find((s) => s.Action === "lambda:InvokeFunction")!;
  assert.deepEqual(invoke.Resource, { "Fn::GetAtt": [Object.keys(base.main.findResources("AWS::Lambda::Function", { Properties: { Runtime: "provided.al2023" } }))[0], "Arn"] });
});

test("IAM: the gateway manages only its group's schedules and passes only the scheduler role", () => {
  const st = policiesOfRole(base.main, "GatewayTaskTaskRole");
  const bySid = Object.fromEntries(st.map((s) => [s.Sid, s]));
  assert.deepEqual(actionsOf(bySid.ManageCatenaSchedules).sort(), ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule"]);
  assert.match(JSON.stringify(bySid.ManageCatenaSchedules.Resource), /:schedule\/catena\/catena-monitor-\*/);
  assert.match(JSON.stringify(bySid.CatenaScheduleGroup.Resource), /:schedule-group\/catena"/);
  assert.equal(bySid.PassSchedulerRole.Action, "iam:PassRole");
  assert.deepEqual(bySid.PassSchedulerRole.Resource, { "Fn::GetAtt": [Object.keys(base.main.findResources("AWS::IAM::Role")).find((k) => k.startsWith("SchedulerRole")), "Arn"] });
  assert.deepEqual(bySid.PassSchedulerRole.Condition, { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } });
  assert.deepEqual(bySid.CatenaMetrics.Condition, { StringEquals: { "cloudwatch:namespace": "Catena" } });
  assert.deepEqual(actionsOf(bySid.CatenaMetrics), ["cloudwatch:PutMetricData"]);
  // The gateway publishes the queue age in the namespace the policy allows
  // and the runner scaling reads.
  const gwTd = Object.values(base.main.findResources("AWS::ECS::TaskDefinition")).find((td) => td.Properties.ContainerDefinitions[0].Name === "gateway")!;
  const gwEnv = Object.fromEntries((gwTd.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
  assert.equal(gwEnv.CATENA_CLOUDWATCH_NAMESPACE, "Catena");
  assert.equal(gwEnv.CATENA_CLOUDWATCH_NAMESPACE, (bySid.CatenaMetrics.Condition as { StringEquals: Record<string, string> }).StringEquals["cloudwatch:namespace"]);
  assert.deepEqual(Object.keys(bySid).sort(), ["CatenaMetrics", "CatenaScheduleGroup", "ListSchedules", "ManageCatenaSchedules", "PassSchedulerRole"]);
  // SES only with an identity, and only from it.
  const ses = policiesOfRole(full.main, "GatewayTaskTaskRole").find((s) => s.Sid === "SendAlertMail")!;
  assert.match(JSON.stringify(ses.Resource), /:identity\/alerts\.example\.com/);
  assert.equal(policiesOfRole(base.main, "GatewayTaskTaskRole").find((s) => s.Sid === "SendAlertMail"), undefined);
  full.main.hasResourceProperties("AWS::SES::EmailIdentity", { EmailIdentity: "alerts.example.com" });
});

// Actions AWS grants only on "*" (no resource-level permissions), each needed here:
// the gateway's schedule listing and metrics (namespace-scoped), and what CDK's
// ECS instance role and drain hook need for the EC2 capacity (the same as
// AWS's managed AmazonEC2ContainerServiceforEC2Role).
const STAR_ONLY = new Set([
  "scheduler:ListSchedules", "cloudwatch:PutMetricData",
  "ecr:GetAuthorizationToken", "ecs:DiscoverPollEndpoint", "logs:CreateLogStream", "logs:PutLogEvents",
  "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceStatus", "ec2:DescribeHosts",
]);
// The one wildcard action: the ECS agent's state-change reports, on the cluster only.
const WILDCARD_OK = new Set(["ecs:Submit*"]);

const scopedToCluster = (s: Statement) => JSON.stringify(s.Condition ?? {}).includes('"ecs:cluster"');

test("IAM: no wildcard actions; only star-only actions on Resource *", () => {
  let checked = 0;
  for (const t of [base.main, full.main, fargate.main, ...full.extra]) {
    for (const { policy, s } of statements(t)) {
      for (const a of actionsOf(s)) {
        checked++;
        assert.ok(a !== "*" && !a.endsWith(":*"), `${policy}: all actions of a service: ${a}`);
        if (a.includes("*")) {
          assert.ok(WILDCARD_OK.has(a) && JSON.stringify(s.Resource).includes("Cluster"), `${policy}: wildcard action ${a} on ${JSON.stringify(s.Resource)}`);
        }
        if (s.Resource === "*" && !scopedToCluster(s)) {
          assert.ok(STAR_ONLY.has(a), `${policy}: ${a} on Resource * (${JSON.stringify(s)})`);
        }
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} actions checked`);
});

test("no secret value in a task definition or environment", () => {
  for (const td of Object.values(base.main.findResources("AWS::ECS::TaskDefinition"))) {
    for (const c of td.Properties.ContainerDefinitions) {
      const envNames = (c.Environment ?? []).map((e: { Name: string }) => e.Name);
      assert.ok(!envNames.some((n: string) => /PASSWORD|SECRET_KEY/.test(n)), `${c.Name} has a secret in its environment: ${envNames}`);
      const secretNames = (c.Secrets ?? []).map((e: { Name: string }) => e.Name).sort();
      assert.deepEqual(secretNames, ["CATENA_SECRET_KEY", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"], c.Name);
    }
  }
});

test("alarms: ALB 5xx, queue age, Lambda errors, DLQ; log groups keep 30 days", () => {
  base.main.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "HTTPCode_Target_5XX_Count", Namespace: "AWS/ApplicationELB", AlarmActions: Match.anyValue() });
  base.main.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "QueueOldestJobAgeSeconds", Namespace: "Catena", Threshold: 120 });
  base.main.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "Errors", Namespace: "AWS/Lambda" });
  base.main.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "ApproximateNumberOfMessagesVisible", Namespace: "AWS/SQS" });
  base.main.resourceCountIs("AWS::CloudWatch::Alarm", 4);
  full.main.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
  const groups = Object.values(base.main.findResources("AWS::Logs::LogGroup"));
  assert.ok(groups.length >= 6);
  for (const g of groups) assert.equal(g.Properties.RetentionInDays, 30);
});

test("an extra region: runners for its location on the replicated secrets", () => {
  assert.equal(full.extra.length, 1);
  const eu = full.extra[0];
  eu.hasResourceProperties("AWS::ECS::TaskDefinition", {
    ContainerDefinitions: [Match.objectLike({
      Command: ["runner", "--location", "eu-west-1"],
    })],
  });
  const secrets = JSON.stringify(Object.values(eu.findResources("AWS::ECS::TaskDefinition"))[0].Properties.ContainerDefinitions[0].Secrets);
  assert.match(secrets, /"Name":"PGPASSWORD".*secret:catena\/database/);
  assert.match(secrets, /secret:catena\/secret-key/);
  eu.hasResourceProperties("AWS::ECS::Service", { DesiredCount: 2, LaunchType: "FARGATE" });
  eu.hasResourceProperties("AWS::EC2::VPC", { CidrBlock: "10.10.0.0/16" });
  for (const name of ["catena/database", "catena/secret-key"]) {
    full.main.hasResourceProperties("AWS::SecretsManager::Secret", { Name: name, ReplicaRegions: [{ Region: "eu-west-1" }] });
  }
});

test("bad options are refused with the option's name", () => {
  assert.throws(() => synth({ "catena:dbEngineVersion": "9" }), /catena:dbEngineVersion=9/);
  assert.throws(() => synth({ "catena:logRetentionDays": 31 }), /catena:logRetentionDays=31/);
  assert.throws(() => synth({ "catena:runnerMax": "many" }), /catena:runnerMax must be a number/);
});

test("npx cdk synth runs offline", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "catena-cdk-out-"));
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: "true", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "", CDK_DISABLE_VERSION_CHECK: "1" };
  delete env.CDK_DEFAULT_ACCOUNT;
  delete env.CDK_DEFAULT_REGION;
  const r = spawnSync("npx", ["--no-install", "cdk", "synth", "--all", "--quiet", "--no-notices", "--no-version-reporting", "--no-lookups", "-o", out, "-c", `catena:lambdaAsset=${lambdaDir}`], {
    cwd: root, env, encoding: "utf8", timeout: 5 * 60 * 1000,
  });
  assert.equal(r.status, 0, `cdk synth failed:\n${r.stdout}\n${r.stderr}`);
  const template = JSON.parse(fs.readFileSync(path.join(out, "Catena.template.json"), "utf8"));
  assert.ok(Object.values(template.Resources).some((x) => (x as { Type: string }).Type === "AWS::ECS::Cluster"));
  fs.rmSync(out, { recursive: true, force: true });
});
