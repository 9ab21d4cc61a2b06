"""Answer: question (+ history) → condensed query → hits → gate → generator events → `Answer`.

Owns condensing, the relevance gate, prompts, the generators and citation checks. It reads an
index through `rag.index.search` and never builds one.
"""
