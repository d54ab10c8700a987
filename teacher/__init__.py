"""Teacher-model data generation: any OpenAI-compatible endpoint writes new items in a domain's format;
the domain's own loader and validator decide what is kept (generate.py; HTTP retries in client.py)."""
