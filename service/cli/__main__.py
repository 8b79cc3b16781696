"""``python -m service.cli``: the same as the ``saring`` command."""
from service.cli import main

main(prog_name="saring")
