"""Operations tooling: local stack for the demo and tests, monitoring config, compose."""
