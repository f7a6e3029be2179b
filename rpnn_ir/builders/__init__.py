"""Builders of rpnn modules at every IR level: the example networks and the hand-sized
dataflow nets that tests, benchmarks and hypothesis strategies share."""
