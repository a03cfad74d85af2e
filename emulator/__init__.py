"""A local SageMaker Runtime: the real wire protocol, scripted behaviour, async results in S3.

Development tooling for tests, the demo and benchmarks: point an unmodified boto3
``sagemaker-runtime`` client at it with ``endpoint_url=`` and script each endpoint over the
control API (``emulator.control.EmulatorControl``). See ``emulator/README.md``.
"""
