// RunnerRegionStack: runners for one more location, in another region. They
// share the primary region's database and key through the secrets that
// CatenaStack replicates here (same names); the database must be reachable
// from this VPC (VPC peering or a transit gateway to the primary VPC: see
// docs/deploy-aws.md). Runners only talk to Postgres and to the APIs they
// monitor, so nothing else crosses regions.
import * as cdk from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { DATABASE_SECRET_NAME, SECRET_KEY_NAME, TASK_DATABASE_URL, taskSecrets } from "./catena-stack";

export interface RunnerRegionProps extends cdk.StackProps {
  imageUri: string;
  /** The location these runners serve (a monitor lists it). */
  location: string;
  count: number;
  /** CIDR of this region's VPC; it must not overlap the primary's (10.0.0.0/16). */
  cidr: string;
  logRetentionDays: number;
}

export class RunnerRegionStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: RunnerRegionProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, "Vpc", { maxAzs: 2, natGateways: 1, ipAddresses: ec2.IpAddresses.cidr(props.cidr) });
    const cluster = new ecs.Cluster(this, "Cluster", { vpc });
    const db = secretsmanager.Secret.fromSecretNameV2(this, "Database", DATABASE_SECRET_NAME);
    const key = secretsmanager.Secret.fromSecretNameV2(this, "SecretKey", SECRET_KEY_NAME);
    const td = new ecs.FargateTaskDefinition(this, "RunnerTask", {
      cpu: 512, memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    td.addContainer("runner", {
      image: ecs.ContainerImage.fromRegistry(props.imageUri),
      command: ["runner", "--location", props.location],
      environment: { DATABASE_URL: TASK_DATABASE_URL, CATENA_LOCATION: props.location, CATENA_LOG_FORMAT: "json" },
      secrets: taskSecrets(db, key),
      readonlyRootFilesystem: true,
      user: "10001:10001",
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: "runner",
        logGroup: new logs.LogGroup(this, "RunnerLogs", { retention: props.logRetentionDays as logs.RetentionDays, removalPolicy: cdk.RemovalPolicy.DESTROY }),
      }),
    });
    new ecs.FargateService(this, "RunnerService", {
      cluster, taskDefinition: td, desiredCount: props.count,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      circuitBreaker: { rollback: true }, minHealthyPercent: 100,
    });
    new cdk.CfnOutput(this, "VpcId", { value: vpc.vpcId, description: "peer this VPC with the primary one" });
  }
}
