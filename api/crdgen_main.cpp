// redraft-crdgen <outdir>: writes the CustomResourceDefinitions described in api/schema.cpp.
// Files are only rewritten when their content changes, so timestamps stay put.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/schema.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: redraft-crdgen <output-directory>\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::cerr << "redraft-crdgen: cannot create " << dir << ": " << ec.message() << "\n";
    return 1;
  }
  for (const auto& file : redraft::api::schema::crd_files()) {
    const auto path = dir / file.filename;
    const std::string text = redraft::api::schema::render_crd_file(file);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream current;
    if (in) current << in.rdbuf();
    if (in && current.str() == text) continue;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::cerr << "redraft-crdgen: cannot write " << path << "\n";
      return 1;
    }
    std::cout << "wrote " << path.string() << "\n";
  }
  return 0;
}
