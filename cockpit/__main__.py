from cockpit.cli.main import entrypoint

entrypoint()
