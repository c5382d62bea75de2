"""Benchmarks that print each figure beside a floor measured in the same run: `python -m benchmarks.run`.

- webhook: warm handler latency through the real RabbitPublisher vs. a bare pika publish+confirm; cold start.
- worker: one worker's per-job time vs. the sum of its bare floors (consume+ack, render, S3 put, upsert).
- scaling: N workers on one queue with a 200 ms LLM stub vs. N x one worker; no job processed twice.
"""
