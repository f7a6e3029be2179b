"""The hardware model: FPGA parts, cost formulas, the dataflow cost graph, folding solvers.

Passes (`rpnn-cost`, `rpnn-fold`) are thin wrappers over these modules; nothing here imports
a pass, a backend or a tool.
"""
