"""The sovcloud test cloud (see ``python -m devcloud --help``)."""
