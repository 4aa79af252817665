// The table on stdout and the JSON file.
#include <sys/utsname.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/bench.h"

namespace s2lite::bench {
namespace {

std::string Num(double v) {
  if (std::isnan(v)) return "-";
  char buf[64];
  double a = std::fabs(v);
  if (a >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (a >= 10)
    std::snprintf(buf, sizeof buf, "%.1f", v);
  else
    std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// How many times better s2lite is than `other` (< 1: a fraction of it).
double Advantage(const Row& r, double other) {
  if (std::isnan(r.value) || std::isnan(other) || other == 0 || r.value == 0) return std::nan("");
  return r.higher_better ? r.value / other : other / r.value;
}

std::string WithRatio(const Row& r, double other) {
  if (std::isnan(other)) return "";
  double a = Advantage(r, other);
  return Num(other) + (std::isnan(a) ? "" : " (" + Num(a) + ")");
}

std::string MetText(int met) {
  switch (met) {
    case 1:
      return "yes";
    case 0:
      return "NO";
    case 2:
      return "yes*";
    default:
      return "?";
  }
}

std::string Pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}
std::string PadLeft(const std::string& s, size_t w) {
  return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) {
  if (std::isnan(v) || std::isinf(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  if (!(in >> one)) return "?";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", one);
  return buf;
}

std::string Kernel() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release;
}

namespace {

const std::vector<std::string> kHead = {"scenario",     "figure",    "s2lite",     "unit",
                                        "peak RSS MiB", "nginx (x)", "s3rver (x)", "ceiling (x)",
                                        "target",       "met"};

std::vector<std::vector<std::string>> Cells(const Bench& b) {
  std::vector<std::vector<std::string>> cells;
  for (const Row& r : b.rows()) {
    std::string ceiling;
    if (!std::isnan(r.ceiling)) {
      double a = r.value / r.ceiling;
      ceiling = Num(r.ceiling) + " " + r.ceiling_name + (std::isnan(a) ? "" : " (" + Num(a) + ")");
    }
    cells.push_back({r.scenario, r.figure, Num(r.value), r.unit, Num(r.peak_rss_mib),
                     WithRatio(r, r.nginx), WithRatio(r, r.s3rver), ceiling, r.target,
                     r.target.empty() ? "" : MetText(r.met)});
  }
  return cells;
}

std::string CeilingLine(const Ceilings& c) {
  if (std::isnan(c.md5_mib_s)) return "";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "ceilings: md5 %.0f MiB/s/core (x%d = %.0f), sha256 %.0f MiB/s/core, md5+sha256 "
                "x%d = %.0f MiB/s, disk (dd fdatasync) %.0f MiB/s",
                c.md5_mib_s, c.cores, c.Md5All(), c.sha256_mib_s, c.cores, c.Md5Sha256All(),
                c.disk_mib_s);
  return buf;
}

}  // namespace

void PrintTable(const Bench& b) {
  const Ceilings& c = b.ceilings();
  std::printf("\ns2lite-bench — %s, %d cores, %s; 1-min load average %s at start, %s at end\n",
              CpuModel().c_str(), c.cores, Kernel().c_str(), b.load_at_start().c_str(),
              LoadAverage().c_str());
  if (std::string line = CeilingLine(c); !line.empty()) std::printf("%s\n", line.c_str());
  std::printf(
      "(x) = s2lite's advantage: its rate / the other's, or the other's time / its time; < 1 is a "
      "fraction\n\n");
  std::vector<std::vector<std::string>> cells = Cells(b);
  std::vector<size_t> w(kHead.size());
  for (size_t i = 0; i < kHead.size(); ++i) {
    w[i] = kHead[i].size();
    for (const auto& row : cells) w[i] = std::max(w[i], row[i].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      bool numeric = i == 2 || i == 4;
      line +=
          (numeric ? PadLeft(row[i], w[i]) : Pad(row[i], w[i])) + (i + 1 < row.size() ? "  " : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print(kHead);
  std::string rule;
  for (size_t i = 0; i < w.size(); ++i)
    rule += std::string(w[i], '-') + (i + 1 < w.size() ? "  " : "");
  std::printf("%s\n", rule.c_str());
  for (const auto& row : cells) print(row);
  bool details = false;
  for (const Row& r : b.rows()) details |= !r.detail.empty();
  if (details) {
    std::printf("\ndetails:\n");
    for (const Row& r : b.rows())
      if (!r.detail.empty())
        std::printf("  %s %s: %s\n", r.scenario.c_str(), r.figure.c_str(), r.detail.c_str());
  }
  if (!b.notes().empty()) {
    std::printf("\npeers' failures (figures left out):\n");
    for (const auto& p : b.notes()) std::printf("  - %s\n", p.c_str());
  }
  if (!b.problems().empty()) {
    std::printf("\nPROBLEMS (s2lite failed):\n");
    for (const auto& p : b.problems()) std::printf("  - %s\n", p.c_str());
  }
  std::printf(
      "\nyes* = the measured half of the target met, the other half not measured; ? = not "
      "measured\n");
}

bool WriteMarkdown(const Bench& b, const std::string& path) {
  std::ostringstream o;
  const Ceilings& c = b.ceilings();
  o << "Machine: " << CpuModel() << ", " << c.cores << " cores, " << Kernel()
    << "; 1-min load average " << b.load_at_start() << " at start, " << LoadAverage()
    << " at end  \n";
  o << "Command: `" << b.config().command_line << "`  \n";
  if (std::string line = CeilingLine(c); !line.empty()) o << line << "\n";
  o << "\n|";
  for (const auto& h : kHead) o << " " << h << " |";
  o << "\n|";
  for (size_t i = 0; i < kHead.size(); ++i) o << (i == 2 || i == 4 ? "---:|" : "---|");
  o << "\n";
  for (const auto& row : Cells(b)) {
    o << "|";
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      if (i == kHead.size() - 1 && cell == "NO") cell = "**NO**";
      o << " " << cell << " |";
    }
    o << "\n";
  }
  bool details = false;
  for (const Row& r : b.rows()) details |= !r.detail.empty();
  if (details) {
    o << "\n";
    for (const Row& r : b.rows())
      if (!r.detail.empty()) o << "- " << r.scenario << " " << r.figure << ": " << r.detail << "\n";
  }
  std::ofstream out(path, std::ios::trunc);
  out << o.str();
  return static_cast<bool>(out.flush());
}

bool WriteJson(const Bench& b, const std::string& path) {
  const Ceilings& c = b.ceilings();
  std::ostringstream o;
  o << "{\n  \"machine\": {\"cpu\": " << JsonString(CpuModel()) << ", \"cores\": " << c.cores
    << ", \"kernel\": " << JsonString(Kernel())
    << ", \"loadavg_1min_start\": " << JsonString(b.load_at_start())
    << ", \"loadavg_1min_end\": " << JsonString(LoadAverage()) << "},\n";
  o << "  \"command\": " << JsonString(b.config().command_line) << ",\n";
  o << "  \"seconds_per_run\": " << JsonNumber(b.config().seconds) << ",\n";
  o << "  \"ceilings\": {\"md5_mib_s_per_core\": " << JsonNumber(c.md5_mib_s)
    << ", \"sha256_mib_s_per_core\": " << JsonNumber(c.sha256_mib_s)
    << ", \"md5_mib_s_all_cores\": " << JsonNumber(c.Md5All())
    << ", \"md5_sha256_mib_s_all_cores\": " << JsonNumber(c.Md5Sha256All())
    << ", \"disk_fdatasync_mib_s\": " << JsonNumber(c.disk_mib_s) << "},\n";
  o << "  \"rows\": [";
  bool first = true;
  for (const Row& r : b.rows()) {
    o << (first ? "\n" : ",\n") << "    {\"scenario\": " << JsonString(r.scenario)
      << ", \"figure\": " << JsonString(r.figure) << ", \"unit\": " << JsonString(r.unit)
      << ", \"higher_is_better\": " << (r.higher_better ? "true" : "false")
      << ", \"s2lite\": " << JsonNumber(r.value)
      << ", \"peak_rss_mib\": " << JsonNumber(r.peak_rss_mib)
      << ", \"nginx\": " << JsonNumber(r.nginx)
      << ", \"vs_nginx\": " << JsonNumber(Advantage(r, r.nginx))
      << ", \"s3rver\": " << JsonNumber(r.s3rver)
      << ", \"vs_s3rver\": " << JsonNumber(Advantage(r, r.s3rver))
      << ", \"ceiling\": " << JsonNumber(r.ceiling)
      << ", \"ceiling_name\": " << JsonString(r.ceiling_name)
      << ", \"vs_ceiling\": " << JsonNumber(r.value / r.ceiling)
      << ", \"target\": " << JsonString(r.target) << ", \"met\": "
      << (r.target.empty() || r.met == -1 ? "null"
          : r.met == 0                    ? "false"
                                          : "true")
      << ", \"detail\": " << JsonString(r.detail);
    for (const auto& [k, v] : r.extra) o << ", " << JsonString(k) << ": " << JsonNumber(v);
    o << "}";
    first = false;
  }
  o << "\n  ],\n  \"problems\": [";
  first = true;
  for (const auto& p : b.problems()) {
    o << (first ? "\n    " : ",\n    ") << JsonString(p);
    first = false;
  }
  o << "\n  ],\n  \"peer_failures\": [";
  first = true;
  for (const auto& p : b.notes()) {
    o << (first ? "\n    " : ",\n    ") << JsonString(p);
    first = false;
  }
  o << "\n  ]\n}\n";
  std::ofstream out(path, std::ios::trunc);
  out << o.str();
  return static_cast<bool>(out.flush());
}

}  // namespace s2lite::bench
