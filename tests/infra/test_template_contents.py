"""Each production requirement of the stack (issue #7) and the code contract, proven on the parsed template.

Pure Python over cfn-lint's decoder: fast, no AWS account, no SAM CLI. The lint/checkov/build gates live in
test_template_lint.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest
from infra_support import REPO, TEMPLATE, as_list, load_cfn, refs_in, statements

QUEUE = "triage.jobs"


# Fixtures live here, not in a tests/infra/conftest.py: a second module named `conftest` would shadow
# tests/conftest.py for the unit tests that import helpers from it.
@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_cfn(TEMPLATE)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="module")
def samconfig() -> dict[str, Any]:
    with (REPO / "samconfig.toml").open("rb") as handle:
        return tomllib.load(handle)


# --------------------------------------------------------------------------------------------- helpers
def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in resources.items() if body["Type"] == kind}


def props(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return resources[name].get("Properties", {})


def env_of(resources: dict[str, Any], name: str, template: dict[str, Any]) -> dict[str, Any]:
    merged = dict(template["Globals"]["Function"].get("Environment", {}).get("Variables", {}))
    merged.update(props(resources, name)["Environment"]["Variables"])
    return merged


def if_branches(value: Any, condition: str) -> tuple[Any, Any]:
    assert isinstance(value, dict) and "Fn::If" in value, f"expected Fn::If on {condition}, got {value!r}"
    name, when_true, when_false = value["Fn::If"]
    assert name == condition
    return when_true, when_false


def container(resources: dict[str, Any]) -> dict[str, Any]:
    (definition,) = props(resources, "WorkerTaskDefinition")["ContainerDefinitions"]
    return definition


def routes(resources: dict[str, Any], function: str) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for event in props(resources, function)["Events"].values():
        assert event["Type"] == "Api"
        event_props = event["Properties"]
        assert event_props["RestApiId"] == {"Ref": "FastTriageApi"}
        found[(event_props["Method"].upper(), event_props["Path"])] = event_props
    return found


def sub_text(value: Any) -> str:
    assert "Fn::Sub" in value, value
    body = value["Fn::Sub"]
    return body[0] if isinstance(body, list) else body


def resolves(value: Any, secret: str, key: str) -> bool:
    return (
        "Fn::Sub" in value
        and sub_text(value) == f"{{{{resolve:secretsmanager:${{{secret}}}:SecretString:{key}}}}}"
    )


# --------------------------------------------------------------------------------------------- network
def test_vpc_has_two_public_and_two_private_subnets_in_two_azs(resources):
    subnets = of_type(resources, "AWS::EC2::Subnet")
    assert set(subnets) == {"PublicSubnetA", "PublicSubnetB", "PrivateSubnetA", "PrivateSubnetB"}
    for suffix, az_index in (("A", 0), ("B", 1)):
        for tier in ("Public", "Private"):
            subnet = subnets[f"{tier}Subnet{suffix}"]["Properties"]
            assert subnet["VpcId"] == {"Ref": "Vpc"}
            assert subnet["AvailabilityZone"] == {"Fn::Select": [az_index, {"Fn::GetAZs": ""}]}
            assert subnet.get("MapPublicIpOnLaunch") in (None, False), "no subnet hands out public IPs"


def test_nat_gateway_per_az_in_prod_and_single_in_dev(resources):
    nats = of_type(resources, "AWS::EC2::NatGateway")
    assert set(nats) == {"NatGatewayA", "NatGatewayB"}
    assert "Condition" not in nats["NatGatewayA"]
    assert nats["NatGatewayB"]["Condition"] == "IsProd"
    assert resources["NatEipB"]["Condition"] == "IsProd"
    assert props(resources, "NatGatewayA")["SubnetId"] == {"Ref": "PublicSubnetA"}
    assert props(resources, "NatGatewayB")["SubnetId"] == {"Ref": "PublicSubnetB"}
    assert props(resources, "PrivateDefaultRouteA")["NatGatewayId"] == {"Ref": "NatGatewayA"}
    prod, dev = if_branches(props(resources, "PrivateDefaultRouteB")["NatGatewayId"], "IsProd")
    assert (prod, dev) == ({"Ref": "NatGatewayB"}, {"Ref": "NatGatewayA"})


def test_route_tables_send_public_subnets_to_the_igw_and_private_subnets_to_nat(resources):
    assert props(resources, "PublicDefaultRoute")["GatewayId"] == {"Ref": "InternetGateway"}
    associations = {
        props(resources, name)["SubnetId"]["Ref"]: props(resources, name)["RouteTableId"]["Ref"]
        for name in of_type(resources, "AWS::EC2::SubnetRouteTableAssociation")
    }
    assert associations == {
        "PublicSubnetA": "PublicRouteTable",
        "PublicSubnetB": "PublicRouteTable",
        "PrivateSubnetA": "PrivateRouteTableA",
        "PrivateSubnetB": "PrivateRouteTableB",
    }


def test_s3_gateway_endpoint_serves_the_private_route_tables(resources):
    endpoint = props(resources, "S3GatewayEndpoint")
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert sub_text(endpoint["ServiceName"]) == "com.amazonaws.${AWS::Region}.s3"
    assert endpoint["RouteTableIds"] == [{"Ref": "PrivateRouteTableA"}, {"Ref": "PrivateRouteTableB"}]


def test_broker_is_reachable_only_from_the_lambdas_and_the_worker_on_5671(resources):
    ingress_to_broker = [
        props(resources, name)
        for name in of_type(resources, "AWS::EC2::SecurityGroupIngress")
        if props(resources, name)["GroupId"] == {"Ref": "BrokerSecurityGroup"}
        and name != "BrokerIngressManagementFromAdmin"  # the management API: see the issue-13 tests
    ]
    assert {rule["SourceSecurityGroupId"]["Ref"] for rule in ingress_to_broker} == {
        "LambdaSecurityGroup",
        "WorkerSecurityGroup",
    }
    for rule in ingress_to_broker:
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5671, 5671)
    assert "SecurityGroupIngress" not in props(resources, "BrokerSecurityGroup")
    egress = {
        props(resources, name)["GroupId"]["Ref"]: props(resources, name)
        for name in of_type(resources, "AWS::EC2::SecurityGroupEgress")
    }
    for group in ("LambdaSecurityGroup", "WorkerSecurityGroup"):
        assert egress[group]["DestinationSecurityGroupId"] == {"Ref": "BrokerSecurityGroup"}
        assert egress[group]["FromPort"] == 5671


def test_no_security_group_accepts_ingress_from_anywhere(resources):
    rules = []
    for body in resources.values():
        if body["Type"] == "AWS::EC2::SecurityGroup":
            rules += body["Properties"].get("SecurityGroupIngress", [])
        elif body["Type"] == "AWS::EC2::SecurityGroupIngress":
            rules.append(body["Properties"])
    for rule in rules:
        assert "CidrIp" not in rule and "CidrIpv6" not in rule, f"CIDR ingress rule: {rule}"
        assert "SourceSecurityGroupId" in rule
    for name in of_type(resources, "AWS::EC2::SecurityGroup"):
        for rule in props(resources, name).get("SecurityGroupEgress", []):
            assert rule.get("Description"), f"{name} has an egress rule without a description"


# --------------------------------------------------------------------------------------------- broker
def test_broker_is_private_and_multi_az_in_prod(resources, template):
    broker = props(resources, "Broker")
    assert broker["EngineType"] == "RABBITMQ"
    assert broker["EngineVersion"] == "3.13", "quorum queues need RabbitMQ 3.13"
    assert broker["AutoMinorVersionUpgrade"] is True, "required for 3.13 on Amazon MQ"
    assert broker["PubliclyAccessible"] is False
    assert if_branches(broker["DeploymentMode"], "IsProd") == ("CLUSTER_MULTI_AZ", "SINGLE_INSTANCE")
    prod_subnets, dev_subnets = if_branches(broker["SubnetIds"], "IsProd")
    assert prod_subnets == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    assert dev_subnets == [{"Ref": "PrivateSubnetA"}]
    assert broker["SecurityGroups"] == [{"Ref": "BrokerSecurityGroup"}]
    assert broker["Logs"]["General"] is True
    stage_config = template["Mappings"]["StageConfig"]
    assert stage_config["dev"]["BrokerInstanceType"] == "mq.t3.micro"
    assert stage_config["prod"]["BrokerInstanceType"] == "mq.m5.large"


def test_broker_user_comes_from_the_generated_broker_secret(resources):
    (user,) = props(resources, "Broker")["Users"]
    assert resolves(user["Username"], "BrokerSecret", "username")
    assert resolves(user["Password"], "BrokerSecret", "password")
    generated = props(resources, "BrokerSecret")["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "password"
    assert json.loads(generated["SecretStringTemplate"]) == {"username": "fasttriage"}
    assert generated["PasswordLength"] >= 16


def test_broker_endpoint_is_the_amqps_endpoint_of_the_broker(resources, template):
    endpoint = {"Fn::Select": [0, {"Fn::GetAtt": ["Broker", "AmqpEndpoints"]}]}
    assert template["Outputs"]["BrokerEndpoint"]["Value"] == endpoint
    assert props(resources, "WebhookFunction")["Environment"]["Variables"]["BROKER_ENDPOINT"] == endpoint
    worker_env = {item["Name"]: item["Value"] for item in container(resources)["Environment"]}
    assert worker_env["BROKER_ENDPOINT"] == endpoint


# --------------------------------------------------------------------------------------------- database
def test_mongo_uri_is_a_secret_and_documentdb_is_optional_encrypted_and_tls_only(resources, template):
    assert json.loads(props(resources, "MongoSecret")["SecretString"]) == {"uri": "REPLACE_ME"}
    assert template["Conditions"]["UseDocumentDb"] == {"Fn::Equals": [{"Ref": "EnableDocumentDb"}, "true"]}
    assert template["Parameters"]["EnableDocumentDb"]["Default"] == "false"
    docdb = [name for name, body in resources.items() if body["Type"].startswith("AWS::DocDB::")]
    assert {resources[name]["Type"] for name in docdb} >= {
        "AWS::DocDB::DBCluster",
        "AWS::DocDB::DBSubnetGroup",
        "AWS::DocDB::DBClusterParameterGroup",
        "AWS::DocDB::DBInstance",
    }
    for name in [*docdb, "DocumentDbSecurityGroup", "DocumentDbSecret"]:
        assert resources[name].get("Condition") in ("UseDocumentDb", "UseDocumentDbReplica"), name
    cluster = props(resources, "DocumentDbCluster")
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == {"Ref": "DataKey"}
    assert cluster["VpcSecurityGroupIds"] == [{"Ref": "DocumentDbSecurityGroup"}]
    assert resolves(cluster["MasterUserPassword"], "DocumentDbSecret", "password")
    assert props(resources, "DocumentDbParameterGroup")["Parameters"]["tls"] == "enabled"
    ingress = [
        props(resources, name)
        for name in of_type(resources, "AWS::EC2::SecurityGroupIngress")
        if props(resources, name)["GroupId"] == {"Ref": "DocumentDbSecurityGroup"}
    ]
    assert {rule["SourceSecurityGroupId"]["Ref"] for rule in ingress} == {
        "LambdaSecurityGroup",
        "WorkerSecurityGroup",
    }


# --------------------------------------------------------------------------------------------- bucket
def test_reports_bucket_blocks_public_access_and_enforces_bucket_owner(resources):
    bucket = props(resources, "ReportsBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert resources["ReportsBucket"]["DeletionPolicy"] == "Retain"


def test_reports_bucket_uses_the_customer_key_or_sse_s3_by_parameter(resources, template):
    (rule,) = props(resources, "ReportsBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    kms, s3 = if_branches(rule, "UseKmsForReports")
    assert kms["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }
    assert kms["BucketKeyEnabled"] is True
    assert s3["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert template["Parameters"]["ReportsEncryption"]["AllowedValues"] == ["SSE-KMS", "SSE-S3"]
    assert template["Parameters"]["ReportsEncryption"]["Default"] == "SSE-KMS"
    key = props(resources, "DataKey")
    assert key["EnableKeyRotation"] is True


def test_reports_bucket_is_versioned_and_tiers_down_after_parameterised_days(resources):
    bucket = props(resources, "ReportsBucket")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Transitions"] == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": {"Ref": "ReportsInfrequentAccessDays"}},
        {"StorageClass": "GLACIER", "TransitionInDays": {"Ref": "ReportsGlacierDays"}},
    ]


def test_reports_bucket_refuses_requests_without_tls(resources):
    statements = props(resources, "ReportsBucketPolicy")["PolicyDocument"]["Statement"]
    (statement,) = [s for s in statements if s["Sid"] == "DenyInsecureTransport"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert props(resources, "ReportsBucketPolicy")["Bucket"] == {"Ref": "ReportsBucket"}
    tls_denied = [
        s for s in props(resources, "LogBucketPolicy")["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"
    ]
    assert tls_denied and tls_denied[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_reports_bucket_logs_access_to_the_log_bucket(resources):
    logging = props(resources, "ReportsBucket")["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": "LogBucket"}
    log_bucket = props(resources, "LogBucket")
    assert log_bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert all(log_bucket["PublicAccessBlockConfiguration"].values())
    grants = [
        s
        for s in props(resources, "LogBucketPolicy")["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert grants and sub_text(grants[0]["Resource"]).endswith(f"/{logging['LogFilePrefix']}*")


# --------------------------------------------------------------------------------------------- ECS
def test_cluster_has_container_insights(resources):
    assert {"Name": "containerInsights", "Value": "enabled"} in props(resources, "WorkerCluster")[
        "ClusterSettings"
    ]


def test_worker_task_definition_sizes_and_runtime_match_the_contract(resources, template):
    task = props(resources, "WorkerTaskDefinition")
    params = template["Parameters"]
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["NetworkMode"] == "awsvpc"
    assert task["Cpu"] == {"Ref": "WorkerCpu"} and params["WorkerCpu"]["Default"] == 2048
    assert task["Memory"] == {"Ref": "WorkerMemory"} and params["WorkerMemory"]["Default"] == 4096
    assert task["ExecutionRoleArn"] == {"Fn::GetAtt": ["WorkerExecutionRole", "Arn"]}
    assert task["TaskRoleArn"] == {"Fn::GetAtt": ["WorkerTaskRole", "Arn"]}
    worker = container(resources)
    assert worker["Image"] == {"Ref": "WorkerImageUri"}
    assert "Command" not in worker and "EntryPoint" not in worker, "the image's entrypoint runs the worker"
    assert worker["HealthCheck"]["Command"] == ["CMD", "python", "-m", "fasttriage.worker", "--health"]
    assert worker["ReadonlyRootFilesystem"] is True
    assert worker["MountPoints"] == [{"SourceVolume": "tmp", "ContainerPath": "/tmp", "ReadOnly": False}]
    assert task["Volumes"] == [{"Name": "tmp"}]
    assert worker["StopTimeout"] == {"Ref": "WorkerStopTimeout"}
    assert params["WorkerStopTimeout"]["Default"] == 120


def test_worker_environment_and_secrets_match_the_contract(resources, template):
    worker = container(resources)
    env = {item["Name"]: item["Value"] for item in worker["Environment"]}
    assert env["POWERTOOLS_SERVICE_NAME"] == "worker"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "FastTriage"
    assert env["QUEUE_NAME"] == {"Ref": "QueueName"}
    assert env["REPORTS_BUCKET"] == {"Ref": "ReportsBucket"}
    assert env["MONGO_DB_NAME"] == {"Ref": "MongoDbName"}
    assert env["WATSONX_MODEL_ID"] == {"Ref": "WatsonxModelId"}
    assert template["Parameters"]["WatsonxModelId"]["Default"] == "ibm/granite-3-8b-instruct"
    assert env["WORKER_HEALTH_FILE"] == "/tmp/worker-health"
    assert env["FOLLOW_UP_ENABLED"] == {"Ref": "FollowUpEnabled"}
    secrets = {item["Name"]: sub_text(item["ValueFrom"]) for item in worker["Secrets"]}
    assert secrets == {
        "MONGO_URI": "${MongoSecret}:uri::",
        "BROKER_USERNAME": "${BrokerConsumerSecret}:username::",
        "BROKER_PASSWORD": "${BrokerConsumerSecret}:password::",
        "WATSONX_API_KEY": "${WatsonxSecret}:api_key::",
        "WATSONX_PROJECT_ID": "${WatsonxSecret}:project_id::",
        "WATSONX_URL": "${WatsonxSecret}:url::",
        "TWILIO_ACCOUNT_SID": "${TwilioSecret}:account_sid::",
        "TWILIO_AUTH_TOKEN": "${TwilioSecret}:auth_token::",
        "PSEUDONYM_KEY": "${PseudonymKeySecret}:key::",
    }


def test_worker_logs_go_to_its_log_group_with_retention(resources):
    log_config = container(resources)["LogConfiguration"]
    assert log_config["LogDriver"] == "awslogs"
    assert log_config["Options"]["awslogs-group"] == {"Ref": "WorkerLogGroup"}
    assert props(resources, "WorkerLogGroup")["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_worker_service_runs_in_private_subnets_without_public_ip_and_one_task_in_dev(resources):
    service = props(resources, "WorkerService")
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    assert network["SecurityGroups"] == [{"Ref": "WorkerSecurityGroup"}]
    assert service["LaunchType"] == "FARGATE"
    paused, running = if_branches(service["DesiredCount"], "IsWorkerPaused")
    assert paused == 0, "WorkerPaused=true stops the worker (first deploy, incidents)"
    assert if_branches(running, "IsProd") == ({"Ref": "WorkerMinTasks"}, 1)
    breaker = service["DeploymentConfiguration"]["DeploymentCircuitBreaker"]
    assert breaker == {"Enable": True, "Rollback": True}


def test_worker_service_waits_for_the_private_routes_and_broker_rules(resources):
    depends_on = set(as_list(resources["WorkerService"]["DependsOn"]))
    assert depends_on >= {
        "PrivateDefaultRouteA",
        "PrivateDefaultRouteB",
        "PrivateSubnetARouteTableAssociation",
        "PrivateSubnetBRouteTableAssociation",
        "BrokerIngressFromWorker",
        "WorkerEgressToBroker",
    }


def test_admin_task_runs_the_cli_with_the_broker_secret_only_and_no_task_role(resources):
    task = props(resources, "AdminTaskDefinition")
    (admin,) = task["ContainerDefinitions"]
    assert admin["EntryPoint"] == ["python", "-m", "fasttriage.dlq"]
    assert (REPO / "worker" / "fasttriage" / "dlq.py").is_file(), "the admin task runs code the image has"
    assert admin["Image"] == {"Ref": "WorkerImageUri"}
    assert "TaskRoleArn" not in task, "dlq list/redrive only talk to the broker"
    assert admin["ReadonlyRootFilesystem"] is True
    assert {s["Name"] for s in admin["Secrets"]} == {"BROKER_USERNAME", "BROKER_PASSWORD"}
    assert all("${BrokerSecret}" in s["ValueFrom"]["Fn::Sub"] for s in admin["Secrets"])
    assert task["ExecutionRoleArn"] == {"Fn::GetAtt": ["AdminExecutionRole", "Arn"]}
    (readable,) = [
        s["Resource"]
        for s in statements(props(resources, "AdminExecutionRole"))
        if "secretsmanager:GetSecretValue" in as_list(s["Action"])
    ]
    assert readable == {"Ref": "BrokerSecret"}
    assert props(resources, "WorkerService")["TaskDefinition"] == {"Ref": "WorkerTaskDefinition"}


def test_worker_autoscales_on_queue_depth_per_running_task_in_prod(resources):
    target = resources["WorkerScalableTarget"]
    policy = resources["WorkerQueueDepthScaling"]
    assert target["Condition"] == policy["Condition"] == "IsProd"
    assert if_branches(target["Properties"]["MinCapacity"], "IsWorkerPaused") == (
        0,
        {"Ref": "WorkerMinTasks"},
    )
    assert if_branches(target["Properties"]["MaxCapacity"], "IsWorkerPaused") == (
        0,
        {"Ref": "WorkerMaxTasks"},
    )
    config = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert policy["Properties"]["PolicyType"] == "TargetTrackingScaling"
    assert config["TargetValue"] == {"Ref": "WorkerTargetMessagesPerTask"}
    metrics = {m["Id"]: m for m in config["CustomizedMetricSpecification"]["Metrics"]}
    queued = metrics["queued"]["MetricStat"]["Metric"]
    assert (queued["Namespace"], queued["MetricName"]) == ("AWS/AmazonMQ", "MessageCount")
    assert {"Name": "Queue", "Value": {"Ref": "QueueName"}} in queued["Dimensions"]
    running = metrics["running"]["MetricStat"]["Metric"]
    assert running["MetricName"] == "RunningTaskCount"
    returned = [m for m in metrics.values() if m.get("ReturnData")]
    assert [m["Expression"] for m in returned] == ["queued / running"]


def test_worker_task_role_reaches_only_triage_reports_and_the_data_key(resources):
    role = props(resources, "WorkerTaskRole")
    assert "ManagedPolicyArns" not in role
    by_sid = {s["Sid"]: s for s in statements(role)}
    assert set(by_sid) == {
        "ReportsObjects",
        "ListReportsUnderTriage",
        "EncryptReportsWithDataKey",
        "PublishPages",  # issue 10: the first page of an emergency/urgent case
        "EncryptPagesWithDataKey",
        "TranscribeVoiceNotes",  # issue 15: voice notes
        "EncryptTranscriptsWithDataKey",
    }
    assert sorted(by_sid["ReportsObjects"]["Action"]) == [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",  # erasure removes every version
        "s3:GetObject",
        "s3:PutObject",
    ]
    assert sorted(by_sid["ListReportsUnderTriage"]["Action"]) == ["s3:ListBucket", "s3:ListBucketVersions"]
    assert sub_text(by_sid["ReportsObjects"]["Resource"]) == "${ReportsBucket.Arn}/triage/*"
    assert by_sid["ListReportsUnderTriage"]["Condition"] == {"StringLike": {"s3:prefix": ["triage/*"]}}
    assert by_sid["EncryptReportsWithDataKey"]["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert props(resources, "WorkerExecutionRole") != role, "execution and task roles are separate"


# --------------------------------------------------------------------------------------------- API
def test_api_stage_has_access_logs_xray_and_throttling(resources, template):
    api = props(resources, "FastTriageApi")
    assert resources["FastTriageApi"]["Type"] == "AWS::Serverless::Api"
    assert api["StageName"] == {"Ref": "Stage"}
    assert api["TracingEnabled"] is True
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    access_format = json.loads(api["AccessLogSetting"]["Format"].replace("\n", ""))
    assert access_format["status"] == "$context.status"
    (settings,) = api["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}


def test_doctors_routes_require_cognito_and_only_webhook_health_console_are_open(resources):
    api_auth = props(resources, "FastTriageApi")["Auth"]
    assert api_auth["DefaultAuthorizer"] == "DoctorsAuthorizer"
    assert api_auth["Authorizers"]["DoctorsAuthorizer"]["UserPoolArn"] == {
        "Fn::GetAtt": ["DoctorsUserPool", "Arn"]
    }
    doctors = routes(resources, "PresignFunction")
    assert set(doctors) == {
        ("GET", "/summaries"),
        ("GET", "/summaries/{summary_id}"),
        ("GET", "/summaries/{summary_id}/report"),
        ("PATCH", "/summaries/{summary_id}"),
        ("GET", "/health"),
        ("GET", "/console"),
        ("POST", "/summaries/{summary_id}/phone"),
        ("POST", "/summaries/{summary_id}/replies"),
    }
    open_routes = {
        key
        for key, event in {**doctors, **routes(resources, "WebhookFunction")}.items()
        if event.get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert open_routes == {
        ("GET", "/health"),
        ("GET", "/console"),
        ("POST", "/webhook/twilio"),
        ("POST", "/webhook/twilio/status"),  # Twilio's status callbacks, signed like inbound messages
    }
    assert props(resources, "DoctorsGroup")["GroupName"] == "doctors"
    assert props(resources, "DoctorsGroup")["UserPoolId"] == {"Ref": "DoctorsUserPool"}
    assert props(resources, "DoctorsUserPoolClient")["UserPoolId"] == {"Ref": "DoctorsUserPool"}
    assert props(resources, "DoctorsUserPool")["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_webhook_function_matches_the_contract(resources, template):
    function = props(resources, "WebhookFunction")
    assert (function["CodeUri"], function["Handler"], function["Runtime"]) == (
        "functions/webhook/",
        "app.handler",
        "python3.12",
    )
    assert function["Layers"] == [{"Ref": "CommonLayer"}]
    assert set(routes(resources, "WebhookFunction")) == {
        ("POST", "/webhook/twilio"),
        ("POST", "/webhook/twilio/status"),
    }
    env = env_of(resources, "WebhookFunction", template)
    assert env["POWERTOOLS_SERVICE_NAME"] == "webhook"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "FastTriage"
    assert env["STAGE"] == {"Ref": "Stage"}
    assert env["QUEUE_NAME"] == {"Ref": "QueueName"}
    assert template["Parameters"]["QueueName"]["Default"] == QUEUE
    for variable, secret in {
        "TWILIO_SECRET_ARN": "TwilioSecret",
        "BROKER_SECRET_ARN": "BrokerPublisherSecret",
        "PSEUDONYM_KEY_SECRET_ARN": "PseudonymKeySecret",
        "MONGO_SECRET_ARN": "MongoSecret",
    }.items():
        assert env[variable] == {"Ref": secret}
    assert env["MONGO_DB_NAME"] == {"Ref": "MongoDbName"}
    assert "PUBLIC_WEBHOOK_URL" in env
    assert template["Parameters"]["PublicWebhookUrl"]["Default"] == ""
    (secrets,) = [s for s in statements(function) if s["Action"] == "secretsmanager:GetSecretValue"]
    assert secrets["Resource"] == [
        {"Ref": name}
        for name in ("TwilioSecret", "BrokerPublisherSecret", "PseudonymKeySecret", "MongoSecret")
    ]


def test_doctors_api_function_matches_the_contract(resources, template):
    function = props(resources, "PresignFunction")
    assert (function["CodeUri"], function["Handler"]) == ("functions/presign/", "app.handler")
    assert function["Layers"] == [{"Ref": "CommonLayer"}]
    env = env_of(resources, "PresignFunction", template)
    assert env["POWERTOOLS_SERVICE_NAME"] == "doctors-api"
    assert env["MONGO_SECRET_ARN"] == {"Ref": "MongoSecret"}
    assert env["MONGO_DB_NAME"] == {"Ref": "MongoDbName"}
    assert env["REPORTS_BUCKET"] == {"Ref": "ReportsBucket"}
    assert env["REPORT_URL_TTL_SECONDS"] == "300"
    assert env["DOCTORS_GROUP"] == "doctors"
    by_sid = {s["Sid"]: s for s in statements(function)}
    assert by_sid["ReadReportsForPresignedUrls"]["Action"] == "s3:GetObject"
    assert sub_text(by_sid["ReadReportsForPresignedUrls"]["Resource"]) == "${ReportsBucket.Arn}/triage/*"
    assert by_sid["DecryptWithDataKey"] == {
        "Sid": "DecryptWithDataKey",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }
    assert by_sid["ReadMongoSecret"]["Resource"] == {"Ref": "MongoSecret"}


def test_both_functions_run_in_the_private_subnets(template):
    vpc = template["Globals"]["Function"]["VpcConfig"]
    assert vpc["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    assert vpc["SecurityGroupIds"] == [{"Ref": "LambdaSecurityGroup"}]


def test_common_layer_matches_the_contract(resources):
    layer = resources["CommonLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/common/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    # layers/common/Makefile installs the pinned requirements --no-deps for the runtime's platform (issue 14)
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    makefile = (REPO / "layers" / "common" / "Makefile").read_text()
    assert (
        "build-CommonLayer:" in makefile and "--no-deps" in makefile and "--python-version 3.12" in makefile
    )
    assert (REPO / "layers" / "common" / "requirements.txt").is_file()


def test_waf_is_optional_and_guards_the_api_stage(resources, template):
    assert template["Parameters"]["EnableWaf"]["Default"] == "false"
    for name in ("ApiWebAcl", "ApiWebAclAssociation", "WafLogGroup", "WafLogging"):
        assert resources[name]["Condition"] == "UseWaf"
    association = props(resources, "ApiWebAclAssociation")
    assert "/restapis/${FastTriageApi}/stages/${FastTriageApi.Stage}" in sub_text(association["ResourceArn"])
    rule_groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in props(resources, "ApiWebAcl")["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert "AWSManagedRulesKnownBadInputsRuleSet" in rule_groups
    by_name = {rule["Name"]: rule["Statement"] for rule in props(resources, "ApiWebAcl")["Rules"]}
    for scoped in (
        by_name["RateLimitPerIp"]["RateBasedStatement"],
        by_name["CommonRuleSet"]["ManagedRuleGroupStatement"],
    ):
        # Twilio's shared IPs and patients' free text pass: both webhook paths (custom domain or stage URL)
        # are outside the per-IP limit and the body heuristics; the doctors' routes are inside.
        scope = scoped["ScopeDownStatement"]
        for path in WEBHOOK_PATHS:
            assert not waf_matches(scope, path), path
        for path in DOCTOR_PATHS:
            assert waf_matches(scope, path), path


WEBHOOK_PATHS = (
    "/webhook/twilio",
    "/prod/webhook/twilio",
    "/webhook/twilio/status",
    "/dev/webhook/twilio/status",
)
DOCTOR_PATHS = ("/summaries", "/prod/summaries/" + "a" * 32 + "/replies", "/console", "/prod/health")


def waf_matches(statement: dict, path: str) -> bool:
    """What WAF decides for a request to `path`, for the statements this template uses on the URI path."""
    if "NotStatement" in statement:
        return not waf_matches(statement["NotStatement"]["Statement"], path)
    if "OrStatement" in statement:
        return any(waf_matches(s, path) for s in statement["OrStatement"]["Statements"])
    if "AndStatement" in statement:
        return all(waf_matches(s, path) for s in statement["AndStatement"]["Statements"])
    match = statement["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"UriPath": {}}
    text, where = str(match["SearchString"]), match["PositionalConstraint"]
    if where == "ENDS_WITH":
        return path.endswith(text)
    if where == "STARTS_WITH":
        return path.startswith(text)
    if where == "EXACTLY":
        return path == text
    assert where == "CONTAINS", where
    return text in path


def test_custom_domain_is_optional_with_certificate_and_dns_alias(resources, template):
    for name in ("ApiCertificate", "ApiDomain", "ApiBasePathMapping", "ApiDnsRecord"):
        assert resources[name]["Condition"] == "HasCustomDomain"
    assert props(resources, "ApiCertificate")["ValidationMethod"] == "DNS"
    assert props(resources, "ApiDomain")["SecurityPolicy"] == "TLS_1_2"
    assert props(resources, "ApiBasePathMapping")["Stage"] == {"Ref": "FastTriageApi.Stage"}
    assert props(resources, "ApiDnsRecord")["AliasTarget"]["DNSName"] == {
        "Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]
    }
    assert template["Parameters"]["DomainName"]["Default"] == ""


def test_webhook_url_output_uses_the_custom_domain_when_set(template):
    custom, default = if_branches(template["Outputs"]["WebhookUrl"]["Value"], "HasCustomDomain")
    assert sub_text(custom) == "https://${DomainName}/webhook/twilio"
    assert sub_text(default) == (
        "https://${FastTriageApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/webhook/twilio"
    )


def test_outputs_needed_by_operators_exist(template):
    assert set(template["Outputs"]) >= {
        "WebhookUrl",
        "ApiUrl",
        "ConsoleUrl",
        "ReportsBucketName",
        "BrokerEndpoint",
        "UserPoolId",
        "UserPoolClientId",
        "WorkerServiceName",
        "DashboardUrl",
    }


# --------------------------------------------------------------------------------------------- IAM
def _all_policy_statements(resources) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, body in resources.items():
        if body["Type"] in ("AWS::Serverless::Function", "AWS::IAM::Role"):
            found += [(name, s) for s in statements(body.get("Properties", {}))]
    return found


def test_no_policy_uses_a_wildcard_resource_or_action_except_ecr_login(resources):
    for name, statement in _all_policy_statements(resources):
        actions = as_list(statement["Action"])
        assert not any(action == "*" or action.endswith(":*") for action in actions), (name, actions)
        if statement["Resource"] == "*":
            assert actions == ["ecr:GetAuthorizationToken"], f"{name} grants {actions} on *"


def test_secret_reads_are_by_arn_and_kms_is_scoped_to_the_data_key(resources):
    secret_names = set(of_type(resources, "AWS::SecretsManager::Secret"))
    for name, statement in _all_policy_statements(resources):
        actions = as_list(statement["Action"])
        if "secretsmanager:GetSecretValue" in actions:
            assert all(ref.get("Ref") in secret_names for ref in as_list(statement["Resource"])), name
        if any(action.startswith("kms:") for action in actions):
            assert statement["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
        if any(action.startswith("s3:") and not action.startswith("s3:ListBucket") for action in actions):
            assert sub_text(statement["Resource"]).endswith("/triage/*"), name
    for name in ("WebhookFunction", "PresignFunction"):
        assert "Role" not in props(resources, name), "each function gets its own generated role"


def test_iam_roles_trust_only_their_service_in_this_account(resources):
    for name, body in of_type(resources, "AWS::IAM::Role").items():
        (trust,) = body["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}, name
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


# --------------------------------------------------------------------------------------------- secrets
def test_secrets_are_encrypted_and_hold_only_placeholders_or_generated_values(resources):
    secrets = of_type(resources, "AWS::SecretsManager::Secret")
    assert set(secrets) >= {
        "TwilioSecret",
        "MongoSecret",
        "WatsonxSecret",
        "BrokerSecret",
        "PseudonymKeySecret",
    }
    for name, body in secrets.items():
        secret = body["Properties"]
        assert secret["KmsKeyId"] == {"Ref": "DataKey"}, name
        if "SecretString" in secret:
            values = json.loads(secret["SecretString"])
            for key, value in values.items():
                assert value in ("REPLACE_ME", "") or value.startswith("https://"), (
                    f"{name}.{key} holds a value"
                )
        else:
            assert "GenerateSecretString" in secret, name
    assert set(json.loads(props(resources, "TwilioSecret")["SecretString"])) == {
        "account_sid",
        "auth_token",
        "previous_auth_token",
    }
    assert set(json.loads(props(resources, "WatsonxSecret")["SecretString"])) == {
        "api_key",
        "project_id",
        "url",
    }
    assert props(resources, "PseudonymKeySecret")["GenerateSecretString"]["GenerateStringKey"] == "key"


SECRET_SHAPES = [
    re.compile(r"AC[0-9a-f]{32}"),  # Twilio account SID
    re.compile(r"mongodb(\+srv)?://[^\s\"']+:[^\s\"'@]+@"),  # URI with credentials
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]


@pytest.mark.parametrize("relative", ["template.yaml", "samconfig.toml", "infra/bootstrap.yaml"])
def test_no_secret_values_are_committed_in_infrastructure_files(relative):
    text = (REPO / relative).read_text()
    for shape in SECRET_SHAPES:
        assert not shape.search(text), f"{relative} contains something shaped like a secret ({shape.pattern})"


# --------------------------------------------------------------------------------------------- observability
def test_every_log_group_has_parameterised_retention_and_the_data_key(resources):
    groups = of_type(resources, "AWS::Logs::LogGroup")
    assert set(groups) >= {"WebhookLogGroup", "DoctorsApiLogGroup", "WorkerLogGroup", "ApiAccessLogGroup"}
    for name, body in groups.items():
        assert body["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}, name
        assert body["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
    assert props(resources, "WebhookFunction")["LoggingConfig"]["LogGroup"] == {"Ref": "WebhookLogGroup"}
    assert props(resources, "PresignFunction")["LoggingConfig"]["LogGroup"] == {"Ref": "DoctorsApiLogGroup"}


def _dashboard(resources) -> tuple[dict[str, Any], str, Any]:
    body, variables = props(resources, "Dashboard")["DashboardBody"]["Fn::Sub"]
    rendered = re.sub(r"\$\{[^}]+\}", "X", body)
    return json.loads(rendered), body, variables


def test_dashboard_shows_api_lambda_queue_worker_and_ecs_metrics(resources):
    dashboard, body, _ = _dashboard(resources)
    metric_rows = [
        row
        for widget in dashboard["widgets"]
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
    ]
    named = {str(item) for row in metric_rows for item in row if isinstance(item, str)}
    for metric in (
        "4XXError",
        "5XXError",
        "Latency",
        "Errors",
        "Duration",
        "Throttles",
        "MessageCount",
        "jobs_completed",
        "jobs_failed",
        "processing_time",
        "llm_latency",
        "fallback_used",
        "CPUUtilization",
        "MemoryUtilization",
        "RunningTaskCount",
    ):
        assert metric in named, f"dashboard lacks {metric}"
    assert "${QueueName}" in body and "${QueueName}.dead" in body and "${QueueName}.emergency" in body
    stats = {item.get("stat") for row in metric_rows for item in row if isinstance(item, dict)}
    assert {"p50", "p90"} <= stats


def test_alarms_cover_api_lambda_dlq_backlog_tasks_jobs_and_saturation(resources, template):
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    watched = {}
    for name, body in alarms.items():
        alarm = body["Properties"]
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        metric_names = [alarm.get("MetricName")] + [
            m["MetricStat"]["Metric"]["MetricName"] for m in alarm.get("Metrics", []) if "MetricStat" in m
        ]
        watched[name] = (alarm, [m for m in metric_names if m])
    assert watched["ApiServerErrorsAlarm"][1] == ["5XXError"]
    lambda_alarms = [a for a, names in watched.values() if names == ["Errors"]]
    assert {a["Dimensions"][0]["Value"]["Ref"] for a in lambda_alarms} == {
        "WebhookFunction",
        "PresignFunction",
        "EscalationFunction",
    }
    dlq, _ = watched["DeadLetterQueueAlarm"]
    assert {"Name": "Queue", "Value": {"Fn::Sub": "${QueueName}.dead"}} in dlq["Dimensions"]
    assert (dlq["Threshold"], dlq["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    backlog, _ = watched["QueueBacklogAlarm"]
    assert {"Name": "Queue", "Value": {"Ref": "QueueName"}} in backlog["Dimensions"]
    _, names = watched["WorkerTasksBelowDesiredAlarm"]
    assert sorted(names) == ["DesiredTaskCount", "RunningTaskCount"]
    assert watched["JobsFailedAlarm"][1] == ["jobs_failed"]
    assert watched["JobsFailedAlarm"][0]["Namespace"] == "FastTriage"
    for name, metric in (
        ("WorkerCpuHighAlarm", "CPUUtilization"),
        ("WorkerMemoryHighAlarm", "MemoryUtilization"),
    ):
        alarm, names = watched[name]
        assert names == [metric] and alarm["Threshold"] == 80


def test_alarm_topic_is_encrypted_and_the_email_subscription_is_conditional(resources, template):
    assert props(resources, "AlarmTopic")["KmsMasterKeyId"] == {"Ref": "DataKey"}
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    key_statements = props(resources, "DataKey")["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for s in key_statements), (
        "CloudWatch alarms cannot publish to a KMS-encrypted topic unless the key lets them"
    )


def test_functions_trace_actively(template):
    assert template["Globals"]["Function"]["Tracing"] == "Active"


# --------------------------------------------------------------------------------------------- checkov skips
def test_every_checkov_skip_says_why():
    from infra_support import BOOTSTRAP_TEMPLATE

    for path in (TEMPLATE, BOOTSTRAP_TEMPLATE):
        for name, body in load_cfn(path)["Resources"].items():
            for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
                assert len(skip.get("comment", "").strip()) >= 30, (
                    f"{name} skips {skip['id']} without a reason"
                )


# --------------------------------------------------------------------------------------------- samconfig
def test_samconfig_has_a_dev_default_and_a_prod_environment(samconfig):
    assert samconfig["version"] == 0.1
    dev = samconfig["default"]["deploy"]["parameters"]
    prod = samconfig["prod"]["deploy"]["parameters"]
    assert dev["stack_name"] == "fasttriage-dev"
    assert prod["stack_name"] == "fasttriage-prod"
    for section in (dev, prod):
        assert section["resolve_s3"] is True
        assert section["confirm_changeset"] is True
        assert "CAPABILITY_IAM" in section["capabilities"]
        assert section["region"]
    assert "Stage=prod" in prod["parameter_overrides"].split()
    assert "Stage=dev" in dev["parameter_overrides"].split()


def test_samconfig_overrides_only_parameters_the_template_declares(samconfig, template):
    for env in ("default", "prod"):
        overrides = samconfig[env]["deploy"]["parameters"]["parameter_overrides"].split()
        names = [item.split("=", 1)[0] for item in overrides]
        assert set(names) <= set(template["Parameters"]), set(names) - set(template["Parameters"])
        assert "WorkerImageUri" in names


# --------------------------------------------------------------------------------------------- CI/CD and docs
def _workflow(name: str) -> dict[str, Any]:
    import yaml

    return yaml.load((REPO / ".github" / "workflows" / name).read_text(), Loader=yaml.BaseLoader)


def test_ci_workflow_runs_the_ci_script():
    workflow = _workflow("ci.yml")
    commands = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("bash .ci/run" in command for command in commands)


def test_deploy_workflow_assumes_an_oidc_role_and_deploys_the_image_it_pushed():
    workflow = _workflow("deploy.yml")
    text = (REPO / ".github" / "workflows" / "deploy.yml").read_text()
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["id-token"] == "write"
    uses = [step.get("uses", "") for step in job["steps"]]
    credentials = [
        s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]
    assert credentials and "role-to-assume" in credentials[0]["with"]
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    assert any(u.startswith("aws-actions/amazon-ecr-login@") for u in uses)
    assert "github.sha" in text
    assert "sam build" in text and "infra/deploy.sh" in text
    assert "--role-arn" in text, "CloudFormation acts with the execution role, not the GitHub role"


def test_deploy_script_keeps_samconfig_parameters_and_swaps_in_the_image(tmp_path):
    import subprocess

    stub = tmp_path / "sam"
    stub.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    stub.chmod(0o755)
    result = subprocess.run(
        [
            "bash",
            str(REPO / "infra" / "deploy.sh"),
            "prod",
            "111.dkr.ecr/fasttriage-worker:abc123",
            "WorkerPaused=true",
            "--",
            "--no-confirm-changeset",
        ],
        env={"SAM_BIN": str(stub), "PATH": "/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    args = result.stdout.splitlines()
    assert args[:3] == ["deploy", "--config-env", "prod"]
    assert args[-1] == "--no-confirm-changeset"
    overrides = args[args.index("--parameter-overrides") + 1 : -1]
    assert "Stage=prod" in overrides
    assert "WorkerImageUri=111.dkr.ecr/fasttriage-worker:abc123" in overrides
    assert "WorkerPaused=true" in overrides
    assert len([o for o in overrides if o.startswith("WorkerImageUri=")]) == 1


def test_runbook_walks_phases_zero_to_five_with_smoke_test_rollback_and_dlq():
    runbook = (REPO / "docs" / "runbook.md").read_text()
    for phase in range(6):
        assert re.search(rf"^#+ Phase {phase}\b", runbook, re.MULTILINE), f"runbook lacks phase {phase}"
    for needle in (
        "WebhookUrl",
        "smoke test",
        "Rollback",
        "fasttriage dlq list",
        "fasttriage dlq redrive",
        "put-secret-value",
        "sam deploy --config-env prod",
    ):
        assert needle.lower() in runbook.lower(), needle


def test_runbook_uses_only_outputs_and_parameters_the_template_has(template):
    runbook = (REPO / "docs" / "runbook.md").read_text()
    outputs = set(re.findall(r"\bout ([A-Za-z]+)", runbook)) | set(
        re.findall(r"`([A-Z][A-Za-z]+)` output", runbook)
    )
    assert outputs, "the runbook should read stack outputs"
    assert outputs <= set(template["Outputs"]), outputs - set(template["Outputs"])
    # Key=Value overrides given to infra/deploy.sh or --parameter-overrides (either template).
    bootstrap = set(load_cfn(REPO / "infra" / "bootstrap.yaml")["Parameters"])
    deploy_lines = [
        line for line in runbook.splitlines() if "deploy.sh" in line or "parameter-overrides" in line
    ]
    overrides = {name for line in deploy_lines for name in re.findall(r"\b([A-Z][A-Za-z]*)=", line)}
    assert "WorkerPaused" in overrides
    assert overrides <= set(template["Parameters"]) | bootstrap, (
        overrides - set(template["Parameters"]) - bootstrap
    )


def test_cost_doc_gives_estimates_for_dev_and_prod():
    cost = (REPO / "docs" / "cost.md").read_text().lower()
    for needle in (
        "estimate",
        "dev",
        "prod",
        "nat gateway",
        "mq.m5.large",
        "mq.t3.micro",
        "documentdb",
        "atlas",
    ):
        assert needle in cost, needle


def test_template_references_only_declared_names(template):
    declared = (
        set(template["Resources"])
        | set(template["Parameters"])
        | {
            "AWS::Region",
            "AWS::AccountId",
            "AWS::Partition",
            "AWS::URLSuffix",
            "AWS::NoValue",
            "AWS::StackName",
        }
    )
    for name, body in template["Resources"].items():
        undeclared = {ref for ref in refs_in(body) if not ref.startswith("AWS::")} - declared
        # Fn::Sub variable maps (the dashboard) declare their own names.
        if name == "Dashboard":
            undeclared -= set(body["Properties"]["DashboardBody"]["Fn::Sub"][1])
        assert not undeclared, f"{name} references {undeclared}"


def test_console_signs_in_through_the_cognito_hosted_ui_once_its_callback_is_set(resources, template):
    client = props(resources, "DoctorsUserPoolClient")
    assert client["GenerateSecret"] is False  # a public client: the console uses PKCE
    assert client["AllowedOAuthFlows"] == {
        "Fn::If": ["HasConsoleCallback", ["code"], {"Ref": "AWS::NoValue"}]
    }
    assert client["CallbackURLs"] == {
        "Fn::If": ["HasConsoleCallback", [{"Ref": "ConsoleCallbackUrl"}], {"Ref": "AWS::NoValue"}]
    }
    assert template["Parameters"]["ConsoleCallbackUrl"]["Default"] == ""
    assert props(resources, "DoctorsUserPoolDomain")["UserPoolId"] == {"Ref": "DoctorsUserPool"}
    env = props(resources, "PresignFunction")["Environment"]["Variables"]
    assert env["COGNITO_CLIENT_ID"] == {"Ref": "DoctorsUserPoolClient"}
    assert "amazoncognito.com" in env["COGNITO_DOMAIN"]["Fn::Sub"]


def test_webhook_keeps_lambda_tracing_and_makes_the_xray_sdk_opt_in(resources, template):
    webhook = props(resources, "WebhookFunction")
    env = webhook["Environment"]["Variables"]
    assert env["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["HasWebhookSdkTracing", "false", "true"]}
    assert template["Parameters"]["WebhookSdkTracing"]["Default"] == "false"
    tracing = webhook.get("Tracing") or template["Globals"]["Function"]["Tracing"]
    assert tracing == "Active"


# --------------------------------------------------------------------------------- issue 13: hardening
def test_lambdas_never_capture_responses_or_errors_as_trace_metadata(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"


def test_group_names_hold_no_claim_separators(resources, template):
    """API Gateway joins group names with commas (REST) or spaces in brackets (HTTP API): a name holding one of
    those could pass for another group."""
    names = [props(resources, n)["GroupName"] for n in of_type(resources, "AWS::Cognito::UserPoolGroup")]
    names.append(env_of(resources, "PresignFunction", template)["DOCTORS_GROUP"])
    assert names and all(re.fullmatch(r"[A-Za-z0-9_.-]+", name) for name in names)


def test_the_worker_encrypts_reports_with_the_data_key_and_the_bucket_refuses_anything_else(resources):
    env = {e["Name"]: e["Value"] for e in container(resources)["Environment"]}
    assert env["REPORTS_KMS_KEY_ID"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    denies = {
        s["Sid"]: s
        for s in props(resources, "ReportsBucketPolicy")["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Action"] == "s3:PutObject"
    }
    assert denies["DenyPutsNotEncryptedWithKms"]["Condition"] == {
        "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}
    }
    assert denies["DenyPutsWithAnotherKey"]["Condition"] == {
        "StringNotEquals": {
            "s3:x-amz-server-side-encryption-aws-kms-key-id": {"Fn::GetAtt": ["DataKey", "Arn"]}
        }
    }
    for statement in denies.values():
        assert statement["Principal"] == "*"
        assert statement["Resource"] == {"Fn::Sub": "${ReportsBucket.Arn}/*"}


def test_doctors_must_use_totp_and_no_password_flow_is_allowed(resources):
    pool = props(resources, "DoctorsUserPool")
    assert pool["MfaConfiguration"] == "ON" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    flows = props(resources, "DoctorsUserPoolClient")["ExplicitAuthFlows"]
    assert "ALLOW_USER_PASSWORD_AUTH" not in flows and "ALLOW_ADMIN_USER_PASSWORD_AUTH" not in flows
    assert set(flows) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}


def test_every_service_principal_on_the_data_key_is_held_to_this_account(resources):
    for statement in props(resources, "DataKey")["KeyPolicy"]["Statement"]:
        if "Service" not in statement["Principal"]:
            continue
        condition = json.dumps(statement.get("Condition", {}))
        assert "AWS::AccountId" in condition, statement["Sid"]
    (alarms,) = [
        s
        for s in props(resources, "DataKey")["KeyPolicy"]["Statement"]
        if s["Sid"] == "CloudWatchAlarmsPublishToEncryptedTopic"
    ]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


# --- bootstrap: one deploy role per GitHub environment, stack roles under a permissions boundary ---------------
@pytest.fixture(scope="module")
def bootstrap() -> dict[str, Any]:
    return load_cfn(REPO / "infra" / "bootstrap.yaml")["Resources"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_deploy_role_trusts_only_its_own_github_environment_and_stack(bootstrap, stage):
    role = bootstrap[f"GitHubDeployRole{stage.capitalize()}"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert set(trust["Condition"]) == {"StringEquals"}, "no wildcard (StringLike) subjects"
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": f"repo:${{GitHubOrg}}/${{GitHubRepo}}:environment:{stage}"
    }
    other = "prod" if stage == "dev" else "dev"
    policy = json.dumps(role["Policies"])
    assert f"stack/fasttriage-{stage}/" in policy and f"fasttriage-{other}" not in policy


def test_the_cloudformation_role_creates_stack_roles_only_under_the_boundary(bootstrap):
    cfn = bootstrap["CloudFormationExecutionRole"]["Properties"]
    granting = {
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
    }
    for statement in statements(cfn):
        actions = set(as_list(statement["Action"]))
        if statement["Effect"] == "Allow" and actions & granting:
            assert statement["Condition"] == {
                "StringEquals": {"iam:PermissionsBoundary": {"Ref": "StackRoleBoundary"}}
            }
    denied = {a for s in statements(cfn) if s["Effect"] == "Deny" for a in as_list(s["Action"])}
    assert {
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    } <= denied
    boundary = bootstrap["StackRoleBoundary"]["Properties"]
    assert boundary["ManagedPolicyName"] == "fasttriage-stack-boundary"
    allowed = {a for s in boundary["PolicyDocument"]["Statement"] for a in as_list(s["Action"])}
    assert not any(a.split(":")[0] in {"iam", "sts", "organizations", "account"} for a in allowed)


def test_every_stack_role_carries_the_boundary_and_stays_inside_it(resources, template, bootstrap, samconfig):
    from fnmatch import fnmatchcase

    arn = {
        "Fn::If": [
            "HasPermissionsBoundary",
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${PermissionsBoundaryName}"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Globals"]["Function"]["PermissionsBoundary"] == arn
    for name in of_type(resources, "AWS::IAM::Role"):
        assert props(resources, name)["PermissionsBoundary"] == arn, name
    schedules = [
        (name, event["Properties"])
        for name, body in resources.items()
        if body["Type"] == "AWS::Serverless::Function"
        for event in body["Properties"].get("Events", {}).values()
        if event["Type"] == "ScheduleV2"
    ]
    assert schedules, "the escalation sweep runs on a schedule"
    for name, schedule in schedules:  # SAM creates a role for each schedule unless RoleArn is given
        assert schedule.get("RoleArn") or schedule["PermissionsBoundary"] == arn, name
    for section in ("default", "prod"):
        overrides = samconfig[section]["deploy"]["parameters"]["parameter_overrides"]
        assert "PermissionsBoundaryName=fasttriage-stack-boundary" in overrides.split()
    allowed = [a for s in bootstrap["StackRoleBoundary"]["Properties"]["PolicyDocument"]["Statement"]
               for a in as_list(s["Action"])]  # fmt: skip
    # What SAM adds to each function role: basic execution, VPC access (VpcConfig), X-Ray (Tracing: Active).
    sam_managed = ["logs:CreateLogGroup", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                   "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                   "ec2:UnassignPrivateIpAddresses", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
                   "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"]  # fmt: skip
    used = set(sam_managed) | ({"lambda:InvokeFunction"} if schedules else set())  # the schedules' roles
    sqs_events = [
        event
        for body in resources.values()
        if body["Type"] == "AWS::Serverless::Function"
        for event in body["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]
    if sqs_events:  # SAM gives the function AWSLambdaSQSQueueExecutionRole's actions for its event source
        used |= {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    for body in resources.values():
        if body["Type"] in ("AWS::IAM::Role", "AWS::Serverless::Function"):
            for statement in statements(body.get("Properties", {})):
                if statement.get("Effect") == "Allow":
                    used.update(as_list(statement["Action"]))
    outside = sorted(a for a in used if not any(fnmatchcase(a, pattern) for pattern in allowed))
    assert outside == [], f"stack roles would lose these rights under the boundary: {outside}"


def test_webhook_and_worker_use_their_own_broker_users_made_by_the_custom_resource(resources, template):
    users = props(resources, "BrokerUsers")
    assert resources["BrokerUsers"]["Type"] == "Custom::BrokerUsers"
    assert users["ServiceToken"] == {"Fn::GetAtt": ["BrokerUsersFunction", "Arn"]}
    assert (users["AdminSecretArn"], users["PublisherSecretArn"], users["ConsumerSecretArn"]) == (
        {"Ref": "BrokerSecret"},
        {"Ref": "BrokerPublisherSecret"},
        {"Ref": "BrokerConsumerSecret"},
    )
    assert users["QueueName"] == {"Ref": "QueueName"}
    assert props(resources, "BrokerUsersFunction")["CodeUri"] == "functions/broker_users/"
    for name, username in (
        ("BrokerPublisherSecret", "fasttriage-publisher"),
        ("BrokerConsumerSecret", "fasttriage-consumer"),
    ):
        generated = props(resources, name)["GenerateSecretString"]
        assert json.loads(generated["SecretStringTemplate"]) == {"username": username}
        assert generated["ExcludePunctuation"] is True and generated["PasswordLength"] >= 32
    assert env_of(resources, "WebhookFunction", template)["BROKER_SECRET_ARN"] == {
        "Ref": "BrokerPublisherSecret"
    }
    # Only the administrator secret's holders: the custom resource, the broker itself and the admin task.
    holders = [
        n
        for n, body in resources.items()
        if "BrokerSecret}" in json.dumps(body) or '"BrokerSecret"' in json.dumps(body)
    ]
    assert sorted(holders) == [
        "AdminExecutionRole",
        "AdminTaskDefinition",
        "Broker",
        "BrokerUsers",
        "BrokerUsersFunction",
    ]
    assert "BrokerUsers" in resources["WorkerService"]["DependsOn"]
    # The management API (HTTPS) is open to the custom resource's own security group only.
    rule = props(resources, "BrokerIngressManagementFromAdmin")
    assert (rule["FromPort"], rule["ToPort"], rule["SourceSecurityGroupId"]) == (
        443,
        443,
        {"Ref": "BrokerAdminSecurityGroup"},
    )
    assert props(resources, "BrokerUsersFunction")["VpcConfig"]["SecurityGroupIds"] == [
        {"Ref": "BrokerAdminSecurityGroup"}
    ]


# --------------------------------------------------------------------------------------------- escalation (issue 10)
def test_pager_topics_are_encrypted_separate_from_alarms_with_conditional_email_and_sms(resources, template):
    for topic in ("PagerTopic", "EscalationTopic"):
        assert props(resources, topic)["KmsMasterKeyId"] == {"Ref": "DataKey"}, topic
        assert topic != "AlarmTopic"
    subscriptions = of_type(resources, "AWS::SNS::Subscription")
    expected = {
        "OnCallEmailSubscription": ("PagerTopic", "email", "OnCallEmail", "HasOnCallEmail"),
        "OnCallSmsSubscription": ("PagerTopic", "sms", "OnCallPhone", "HasOnCallPhone"),
        "EscalationEmailSubscription": ("EscalationTopic", "email", "EscalationEmail", "HasEscalationEmail"),
        "EscalationSmsSubscription": ("EscalationTopic", "sms", "EscalationPhone", "HasEscalationPhone"),
    }
    for name, (topic, protocol, parameter, condition) in expected.items():
        body = subscriptions[name]
        assert body["Condition"] == condition
        assert body["Properties"] == {
            "TopicArn": {"Ref": topic},
            "Protocol": protocol,
            "Endpoint": {"Ref": parameter},
        }
        assert template["Parameters"][parameter]["Default"] == ""
        assert template["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}
    phone = re.compile(template["Parameters"]["OnCallPhone"]["AllowedPattern"])
    assert phone.fullmatch("+15551234567") and phone.fullmatch("") and not phone.fullmatch("5551234567")


def test_worker_pages_only_the_on_call_topic_with_the_console_link(resources):
    env = {item["Name"]: item["Value"] for item in container(resources)["Environment"]}
    assert env["PAGE_TOPIC_ARN"] == {"Ref": "PagerTopic"}
    assert "ESCALATION_TOPIC_ARN" not in env
    assert "CONSOLE_URL" in env
    by_sid = {s["Sid"]: s for s in statements(props(resources, "WorkerTaskRole"))}
    assert by_sid["PublishPages"]["Action"] == "sns:Publish"
    assert by_sid["PublishPages"]["Resource"] == {"Ref": "PagerTopic"}
    assert by_sid["EncryptPagesWithDataKey"]["Action"] == "kms:GenerateDataKey*"


def test_escalation_sweep_runs_every_minute_one_at_a_time_and_pages_both_topics(resources, template):
    function = props(resources, "EscalationFunction")
    assert (function["CodeUri"], function["Handler"]) == ("functions/escalation/", "app.handler")
    assert (REPO / "functions" / "escalation" / "app.py").is_file()
    assert function["Layers"] == [{"Ref": "CommonLayer"}]
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "EscalationLogGroup"}}
    (event,) = function["Events"].values()
    assert event == {
        "Type": "ScheduleV2",
        "Properties": {
            "ScheduleExpression": "rate(1 minute)",
            "Description": event["Properties"]["Description"],
            "PermissionsBoundary": event["Properties"]["PermissionsBoundary"],  # checked with the boundary
        },
    }
    env = env_of(resources, "EscalationFunction", template)
    assert env["POWERTOOLS_SERVICE_NAME"] == "escalation"  # the PagesFailedAlarm's dimension
    assert env["PAGE_TOPIC_ARN"] == {"Ref": "PagerTopic"}
    assert env["ESCALATION_TOPIC_ARN"] == {"Ref": "EscalationTopic"}
    assert env["EMERGENCY_ACK_MINUTES"] == {"Ref": "EmergencyAckMinutes"}
    assert template["Parameters"]["EmergencyAckMinutes"]["Default"] == 5
    assert env["URGENT_ACK_MINUTES"] == {"Ref": "UrgentAckMinutes"}
    by_sid = {s["Sid"]: s for s in statements(function)}
    assert by_sid["PublishPages"]["Resource"] == [{"Ref": "PagerTopic"}, {"Ref": "EscalationTopic"}]
    assert sorted(by_sid["EncryptPagesWithDataKey"]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert set(template["Outputs"]) >= {"PagerTopicArn", "EscalationTopicArn"}


def test_failing_pages_raise_an_alarm_from_the_worker_the_sweep_or_the_webhook(resources):
    alarm = props(resources, "PagesFailedAlarm")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    stats = {
        m["Id"]: (
            m["MetricStat"]["Metric"]["MetricName"],
            m["MetricStat"]["Metric"]["Dimensions"][0]["Value"],
        )
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    assert stats == {
        "worker": ("pages_failed", "worker"),
        "sweep": ("pages_failed", "escalation"),
        "intake": ("intake_pages_failed", "webhook"),  # the degraded-intake page (broker down)
        "firstfailure": ("intake_pages_failed", "worker"),  # the worker's page when MongoDB is down
    }
    assert {m["MetricStat"]["Metric"]["Namespace"] for m in alarm["Metrics"] if "MetricStat" in m} == {
        "FastTriage"
    }
    (result,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert all(f"FILL({name}, 0)" in result["Expression"] for name in stats)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


# --- issue 15: replies, status callbacks, voice notes --------------------------------------------------------
def test_voice_notes_use_transcribe_on_fasttriage_jobs_only_with_a_bounded_wait(resources, template):
    by_sid = {s["Sid"]: s for s in statements(props(resources, "WorkerTaskRole"))}
    transcribe = by_sid["TranscribeVoiceNotes"]
    assert sorted(transcribe["Action"]) == [
        "transcribe:DeleteTranscriptionJob",  # no patient data left in Transcribe after the job
        "transcribe:GetTranscriptionJob",
        "transcribe:StartTranscriptionJob",
    ]
    assert sub_text(transcribe["Resource"]).endswith(":transcription-job/fasttriage-*")
    assert by_sid["EncryptTranscriptsWithDataKey"]["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    env = {item["Name"]: item["Value"] for item in container(resources)["Environment"]}
    assert env["TRANSCRIPTION"] == "aws"
    assert env["TRANSCRIBE_TIMEOUT_S"] == {"Ref": "TranscribeTimeoutSeconds"}
    timeout = template["Parameters"]["TranscribeTimeoutSeconds"]
    assert timeout["MaxValue"] <= 600 and timeout["Default"] <= 120


def test_doctors_replies_read_the_twilio_secret_and_use_the_configured_template(resources, template):
    function = props(resources, "PresignFunction")
    env = env_of(resources, "PresignFunction", template)
    assert env["TWILIO_SECRET_ARN"] == {"Ref": "TwilioSecret"}
    assert env["REPLY_TEMPLATE_CONTENT_SID"] == {"Ref": "ReplyTemplateContentSid"}
    assert re.fullmatch(template["Parameters"]["ReplyTemplateContentSid"]["AllowedPattern"], "HX" + "a" * 32)
    assert re.fullmatch(template["Parameters"]["ReplyTemplateContentSid"]["AllowedPattern"], "")
    by_sid = {s["Sid"]: s for s in statements(function)}
    assert by_sid["ReadTwilioSecretForReplies"]["Resource"] == {"Ref": "TwilioSecret"}
    for name in ("PresignFunction", "WebhookFunction"):  # both sides agree on the signed callback URL
        custom, default = if_branches(
            env_of(resources, name, template)["REPLY_STATUS_CALLBACK_URL"], "HasCustomDomain"
        )
        assert sub_text(custom) == "https://${DomainName}/webhook/twilio/status" and default == ""
