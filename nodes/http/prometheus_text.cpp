// Writes the Prometheus text exposition format (version 0.0.4): families, labels, histograms.
#include "nodes/http/prometheus_text.hpp"

#include <cmath>
#include <cstdio>

namespace engine::http {

namespace {

void escape_label(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void escape_help(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string format_double(double v) {
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v))
    return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

} // namespace

void prometheus_text::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  escape_help(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void prometheus_text::sample(std::string_view name, const label_list& labels,
                             std::string_view value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (auto& [k, v] : labels) {
      if (!first)
        out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      escape_label(out_, v);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void prometheus_text::sample(std::string_view name, const label_list& labels, int64_t value) {
  sample(name, labels, std::string_view{std::to_string(value)});
}

void prometheus_text::sample(std::string_view name, const label_list& labels, double value) {
  sample(name, labels, std::string_view{format_double(value)});
}

void write_histogram(prometheus_text& out, std::string_view name, std::string_view help,
                     const latency_buckets& h) {
  auto snap = h.read(); // +Inf and _count from the same counts: they always agree
  out.family(name, "histogram", help);
  std::string bucket = std::string{name} + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < latency_buckets::bounds_ns.size(); ++i) {
    cumulative += snap.counts[i];
    out.sample(bucket, {{"le", format_double(static_cast<double>(latency_buckets::bounds_ns[i]) / 1e9)}},
               static_cast<int64_t>(cumulative));
  }
  out.sample(bucket, {{"le", "+Inf"}}, static_cast<int64_t>(snap.count));
  out.sample(std::string{name} + "_sum", {}, static_cast<double>(snap.sum_ns) / 1e9);
  out.sample(std::string{name} + "_count", {}, static_cast<int64_t>(snap.count));
}

} // namespace engine::http
