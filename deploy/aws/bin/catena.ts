#!/usr/bin/env node
// The CDK app: `npx cdk deploy --all` creates CatenaStack in the current
// region and a RunnerRegionStack per entry of catena:extraRunnerRegions
// ([{"region": "eu-west-1", "location": "eu-west-1", "count": 2}]). Options
// are CDK context (cdk.json, or -c catena:name=value).
import * as cdk from "aws-cdk-lib";
import { buildApp } from "../lib/app";

buildApp(new cdk.App());
