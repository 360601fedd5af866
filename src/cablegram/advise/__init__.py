"""Classification advice: the level (and NOFORN) a draft's words suggest, learnt from an archive's
released cables with every marking stripped. Advice, never a block."""

from cablegram.advise.features import LEVELS, level_of, noforn_of
from cablegram.advise.model import Advice, AdviceModel
from cablegram.advise.store import load_model, save_model
from cablegram.advise.strip import drafter_text, strip_markings

__all__ = ["LEVELS", "Advice", "AdviceModel", "drafter_text", "level_of", "load_model",
           "noforn_of", "save_model", "strip_markings"]
