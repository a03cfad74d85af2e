"""The `smq` command: the one module that may import the producer and the worker side."""
