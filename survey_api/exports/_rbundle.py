"""The R bundle: the CSV export and a script that builds its ``svydesign`` and computes the weighted index.

The script follows the platform's estimation: weights are the export's ``weight`` (the analysis weight of
the weighting run the API's index uses), else ``design_weight``, else 1; strata ``stratum``; a response
without a PSU is its own PSU; the fpc only when every response has one; PSUs nested in strata; lonely PSUs
as ``SURVEY_LONELY_PSU``. The overall index is the mean of its items' weighted shares satisfied
(``item_mean``, with ``svycontrast``) or the share of satisfied answers over all its items' answers
(``pooled``, with ``svyratio``), as ``sampling.indices`` computes it. With margins, the weights are taken as
given: the point estimate is the API's, the standard error leaves out the calibration's (smaller) share.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator

from survey_api.instruments.document import InstrumentDocument

_SCRIPT = r"""# The weighted {title} index of {csv}, with R's survey package.
# Written by the survey platform's export; run it in the folder of the CSV: Rscript {script}
suppressMessages(library(survey))
options(survey.lonely.psu = {lonely})

d <- read.csv({csv_r}, colClasses = "character", check.names = FALSE, fileEncoding = "UTF-8-BOM", na.strings = "")
num <- function(x) suppressWarnings(as.numeric(x))
index_items <- c({items})
satisfied <- c({satisfied})
aggregation <- {aggregation}

d$.w <- if ("weight" %in% names(d)) num(d$weight) else num(d$design_weight)
d$.w[is.na(d$.w)] <- 1
d$.stratum <- ifelse(is.na(d$stratum), ".all", d$stratum)
d$.psu <- ifelse(is.na(d$psu), paste0(".response.", d$id), d$psu)
d$.fpc <- num(d$fpc)
for (k in seq_along(index_items)) {{
  y <- num(d[[index_items[k]]])
  d[[paste0(".s", k)]] <- ifelse(is.na(y), 0, as.numeric(y %in% satisfied))
  d[[paste0(".a", k)]] <- as.numeric(!is.na(y))
  d[[paste0(".v", k)]] <- ifelse(is.na(y), 0, y)
}}
design <- svydesign(ids = ~.psu, strata = ~.stratum, weights = ~.w, nest = TRUE, data = d,
                    fpc = if (all(!is.na(d$.fpc))) ~.fpc else NULL)

answered <- which(sapply(seq_along(index_items), function(k) sum(d[[paste0(".a", k)]]) > 0))
columns <- function(prefix) paste0(prefix, answered)
if (aggregation == "item_mean") {{
  all_columns <- c(columns(".s"), columns(".a"), columns(".v"))
  totals <- svytotal(as.formula(paste("~", paste(all_columns, collapse = "+"))), design)
  mean_of <- function(top) parse(text = sprintf("(%s) / %d", paste0(columns(top), "/", columns(".a"), collapse = " + "),
                                                length(answered)))[[1]]
  share <- svycontrast(totals, mean_of(".s"))
  score <- svycontrast(totals, mean_of(".v"))
}} else {{
  sum_of <- function(prefix) as.formula(paste("~I(", paste(columns(prefix), collapse = " + "), ")"))
  share <- svyratio(sum_of(".s"), sum_of(".a"), design)
  score <- svyratio(sum_of(".v"), sum_of(".a"), design)
}}
cat(sprintf("satisfied %.17g %.17g\n", coef(share), SE(share)))
cat(sprintf("mean %.17g %.17g\n", coef(score), SE(score)))
"""


def r_script(document: InstrumentDocument, csv_name: str, script_name: str, lonely_psu: str) -> str:
    """The R script for ``document``'s index over the CSV ``csv_name``."""
    index = document.index
    items = [code for element in index.elements for code in element.items]
    return _SCRIPT.format(
        title=document.title.vi.replace("\n", " "),
        csv=csv_name.replace("\n", " "),
        script=script_name,
        csv_r=_r_string(csv_name),
        lonely=_r_string(lonely_psu),
        items=", ".join(map(_r_string, items)),
        satisfied=", ".join(map(str, index.satisfied)),
        aggregation=_r_string(index.aggregation),
    )


def _r_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)  # a JSON string with \uXXXX escapes is an R string too


def bundle(csv_pieces: Iterable[bytes], csv_name: str, script_name: str, script: str) -> Iterator[bytes]:
    """A zip of the CSV (written as it comes, to a temporary file) and the script, in pieces of a megabyte."""
    with tempfile.TemporaryFile(prefix="survey-r-") as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with archive.open(csv_name, "w", force_zip64=True) as entry:
                for piece in csv_pieces:
                    entry.write(piece)
            archive.writestr(script_name, script)
        spool.seek(0)
        while piece := spool.read(2**20):
            yield piece
