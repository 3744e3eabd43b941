"""The landing page: who you are, your programme, and a card from each area that has something
for you (``cards``: areas register providers, so this room imports none of them for it)."""
