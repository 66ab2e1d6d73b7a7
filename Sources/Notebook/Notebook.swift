// The notebook runner: chapters -> executed Swift blocks -> cached results ->
// static HTML site. Parsing uses cmark-gfm (CCmarkGFM); blocks are compiled
// against Engine and Charts.
import Engine
import Charts
