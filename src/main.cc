#include "kce/exporter.h"

int main(int argc, char** argv) { return kce::RunExporter(argc, argv); }
