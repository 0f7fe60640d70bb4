import sys

from pipeline.report.build import main

sys.exit(main())
