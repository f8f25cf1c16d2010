from callreview.cli import main

main()
