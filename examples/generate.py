"""Write the example networks (see `rpnn_ir/examples.py`).

    python examples/generate.py [--out-dir examples] [--seed 0]
"""

import sys

from rpnn_ir.examples import main

if __name__ == "__main__":
    sys.exit(main())
