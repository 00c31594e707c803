"""asr package."""

import os

# CTranslate2 runs its CPU matrix products on Intel MKL when the processor is Intel. Without
# conditional numerical reproducibility, MKL may take alignment-dependent code paths, so the same
# window decoded twice can differ in a borderline token: a recorded upload would not have the text
# of the same live dictation. «AUTO» keeps the processor's best code path and fixes the rest;
# an operator's own MKL_CBWR wins. oneDNN (every other processor) needs nothing.
os.environ.setdefault("MKL_CBWR", "AUTO")
