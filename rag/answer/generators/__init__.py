"""Generators turn a question and its labelled passages into a stream of answer events.

Each module holds one implementation; `choose.py` picks one from the settings. Heavy libraries
(torch, transformers) are imported inside the implementations that need them.
"""
