"""Thin adapters between the pipeline and the programs that build pages.

Each host translates its own configuration into block options and limits, hands block text to
:func:`mdjacobian.render_block` or :func:`mdjacobian.evaluate`, and reports errors its own way. None
of them differentiates or prints maths.
"""
