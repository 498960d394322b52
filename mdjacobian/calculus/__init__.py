"""Derivatives by rules in matrix notation, and the numerical proof of everything shown."""
