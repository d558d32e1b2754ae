import * as cdk from "aws-cdk-lib";
import { CatenaStack } from "./catena-stack";
import { RunnerRegionStack } from "./runner-region-stack";

interface ExtraRegion {
  region: string;
  location: string;
  count: number;
}

/** buildApp reads the catena:* context and adds the stacks to app. */
export function buildApp(app: cdk.App): { main: CatenaStack; extra: RunnerRegionStack[] } {
  const ctx = (name: string): unknown => app.node.tryGetContext(`catena:${name}`);
  const str = (name: string): string => String(ctx(name) ?? "");
  const num = (name: string): number => {
    const v = Number(ctx(name));
    if (!Number.isFinite(v)) throw new Error(`catena:${name} must be a number, got ${JSON.stringify(ctx(name))}`);
    return v;
  };
  const bool = (name: string): boolean => ctx(name) === true || ctx(name) === "true";
  let extra = ctx("extraRunnerRegions") ?? [];
  if (typeof extra === "string") extra = JSON.parse(extra);
  const regions = extra as ExtraRegion[];
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const main = new CatenaStack(app, "Catena", {
    env,
    description: "Catena: gateway, runners, scheduler-lambda, PostgreSQL",
    imageUri: str("imageUri"),
    lambdaAsset: str("lambdaAsset"),
    natGateways: num("natGateways"),
    vpcEndpoints: bool("vpcEndpoints"),
    fargate: bool("fargate"),
    instanceType: str("instanceType"),
    dbInstanceType: str("dbInstanceType"),
    dbEngineVersion: str("dbEngineVersion"),
    dbAllocatedStorageGiB: num("dbAllocatedStorageGiB"),
    certificateArn: str("certificateArn"),
    sesIdentity: str("sesIdentity"),
    alarmEmail: str("alarmEmail"),
    gatewayCount: num("gatewayCount"),
    runnerLocation: str("runnerLocation"),
    runnerMin: num("runnerMin"),
    runnerMax: num("runnerMax"),
    logRetentionDays: num("logRetentionDays"),
    extraRunnerRegions: regions.map((r) => r.region),
  });
  const stacks = regions.map((r, i) => {
    const s = new RunnerRegionStack(app, `CatenaRunners-${r.region}`, {
      env: { account: env.account, region: r.region },
      description: `Catena runners for location ${r.location}`,
      imageUri: str("imageUri"),
      location: r.location,
      count: r.count,
      cidr: `10.${10 + i}.0.0/16`,
      logRetentionDays: num("logRetentionDays"),
    });
    s.addStackDependency(main); // the replicated secrets exist first
    return s;
  });
  return { main, extra: stacks };
}
