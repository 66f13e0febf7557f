"""Security-suite helpers: the attacker, hostile XML, the fuzzer, the loopback canary, SP probes."""
