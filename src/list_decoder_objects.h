#pragma once

// Internal to the list decoder: reads one Node or Pod object of a list with simdjson On Demand.

#include "kce/model.h"
#include "list_decoder_walk.h"

namespace kce::json {

/// Reads the fields of a Node that accounting needs into *node (which starts empty). Wrong types
/// and rejected quantities are recorded in `state`; returns only errors after which the document
/// cannot be read further.
error_code DecodeNode(od::object& object, ItemState& state, Node* node);

/// Reads the fields of a Pod that accounting needs into *pod (which starts empty), and defaults
/// each container's missing requests to its limits as the API server does. Problems are handled as
/// in DecodeNode.
error_code DecodePod(od::object& object, ItemState& state, Pod* pod);

}  // namespace kce::json
