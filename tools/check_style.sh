#!/usr/bin/env bash
# Banned-API gate (STYLE.md "Build gates"). Scans project C++ sources with comments and string
# literals removed, so a ban named in a comment or message does not trip it, and matches calls
# that span several lines. Prints file:line: rule for each hit; exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(find src tests fuzz bench -type f \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | sort)
[ ${#files[@]} -gt 0 ] || { echo "check_style: no sources found" >&2; exit 1; }

exec perl -e '
use strict; use warnings;
# [rule, regex, path regex where the rule does not apply (or undef), advice]
my @rules = (
  ["std::regex", qr/\bstd::regex\b|#\s*include\s*<regex>/, undef, "bounded hand-written parsers or Vectorscan"],
  ["system()", qr/(?<![\w.>:])system\s*\(/, undef, "ChildProcess::spawn with an argv"],
  ["popen()", qr/\bpopen\s*\(/, undef, "run_captured()"],
  ["atoi/atol/strtol family", qr/\b(?:atoi|atol|atoll|strtol|strtoul|strtoll|strtoull)\s*\(/, undef, "parse_integer() in base/parse.h"],
  ["sprintf/strcpy/strcat", qr/\b(?:sprintf|vsprintf|strcpy|strcat)\s*\(/, undef, "fmt::format / std::string"],
  ["throw", qr/\bthrow\b/, undef, "return an Error through Result<T>"],
  ["fork/clone/exec outside sandbox/", qr/\b(?:fork|vfork|clone|clone3|execl|execlp|execle|execv|execvp|execvpe|execve|execveat|fexecve)\s*\(/, qr{^(src|tests)/sandbox/}, "ChildProcess::spawn, or do it in src/sandbox"],
  ["naked new", qr/(?<![\w:])new\s+[A-Za-z_:<]/, undef, "std::make_unique / containers"],
  ["naked delete", qr/(?<!=)\s\bdelete\b(?!\s*;)|^\s*delete\b/, undef, "owning smart pointers"],
);
my $hits = 0;
for my $file (@ARGV) {
  open(my $fh, "<", $file) or die "check_style: cannot read $file\n";
  local $/; my $src = <$fh>; close $fh;
  while ($src =~ /^\s*#\s*include\s*"\.\.\//mg) {
    my $line = 1 + (substr($src, 0, $-[0]) =~ tr/\n//);
    print "$file:$line: banned: relative include (root include paths at src/)\n"; $hits++;
  }
  # Blank out raw strings, comments and literals, keeping newlines so line numbers hold.
  my $blank = sub { my $s = shift; $s =~ s/[^\n]/ /g; return $s; };
  $src =~ s/(R"([^(\s]*)\(.*?\)\2")/$blank->($1)/gse;
  $src =~ s{("(?:[^"\\\n]|\\.)*"|\x27(?:[^\x27\\\n]|\\.)*\x27|//[^\n]*|/\*.*?\*/)}{
    my $m = $1; ($m =~ m{^/}) ? $blank->($m) : ($m =~ /^"/ ? "\"" . $blank->(substr($m,1,-1)) . "\"" : "\x27 \x27")
  }gse;
  for my $rule (@rules) {
    my ($name, $re, $except, $advice) = @$rule;
    next if defined $except && $file =~ $except;
    while ($src =~ /$re/g) {
      my $line = 1 + (substr($src, 0, $-[0]) =~ tr/\n//);
      print "$file:$line: banned: $name (instead: $advice)\n"; $hits++;
    }
  }
  # open()/openat()/socket() must ask for close-on-exec; the whole call is checked, so an
  # argument list spanning lines is fine. A call is taken to be the POSIX one when its
  # arguments carry O_*/SOCK_* flags (methods named open() carry none); accept(), dup() and
  # pipe() have no close-on-exec form at all.
  while ($src =~ /(?<![\w.:>])(?:::)?(open|openat|socket|accept|accept4|dup|pipe)\s*(\((?:[^()]++|(?2))*\))/g) {
    my ($call, $args) = ($1, $2);
    my $line = 1 + (substr($src, 0, $-[0]) =~ tr/\n//);
    my $bad;
    if ($call =~ /^(open|openat)$/) { $bad = $args =~ /\bO_[A-Z]+/ && $args !~ /O_CLOEXEC/; }
    elsif ($call =~ /^(socket|accept4)$/) { $bad = $args =~ /\bSOCK_[A-Z]+|,/ && $args !~ /SOCK_CLOEXEC/; }
    else { $bad = 1; }
    next unless $bad;
    print "$file:$line: banned: $call() without close-on-exec (instead: O_CLOEXEC/SOCK_CLOEXEC, accept4, pipe2, fcntl F_DUPFD_CLOEXEC)\n";
    $hits++;
  }
}
if ($hits) { print STDERR "check_style: $hits banned use(s)\n"; exit 1; }
print "check_style: ok (" . scalar(@ARGV) . " files)\n";
' "${files[@]}"
