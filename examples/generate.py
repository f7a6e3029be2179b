"""Write the example networks (see `rpnn_ir/builders/examples.py`).

    python examples/generate.py [--out-dir examples] [--seed 0]
"""

import sys

from rpnn_ir.builders.examples import main

if __name__ == "__main__":
    sys.exit(main())
