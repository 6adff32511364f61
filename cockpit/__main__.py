from cockpit.cli import entrypoint

entrypoint()
