from zoo_core.cli.main import main

main()
