"""Message understanding: normalisation, the rules classifier, the LLM step and the cascade.

Import what you need from the submodules (``bot.classifier.factory.build_classifier`` for the bot).
"""
