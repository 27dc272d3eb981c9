// The options of lralg::fastrp (graph.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "lralg/common.hpp"

namespace lralg {

// The embedding's parameters, as the Python function names them; strip,
// two_hop and huge_panels choose among equivalent code paths (tests pin
// each path, benchmarks compare them) and do not change the result beyond
// rounding.
struct FastRPOptions {
  index_t dim = 128;
  std::vector<double> weights{0.0, 1.0, 1.0, 1.0};
  double beta = 0.0;
  bool transition = true;
  bool normalize = true;
  double self_influence = 0.0;
  double density = -1.0;  // <= 0: 1 / sqrt(n)
  std::uint64_t seed = 0;
  index_t strip = 0;    // column strip width of the in-place products; 0: automatic
  int two_hop = -1;     // U_2 by two hops into R: 1 always, 0 never, -1 when cheaper
  int huge_panels = 1;  // the two panels on transparent huge pages: 1 yes, 0 no (4 KiB pages)
};

}  // namespace lralg
