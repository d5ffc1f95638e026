#include "skills/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin::skills {
namespace {

using testing::TempDir;

struct Entry {
  Entry(std::string p, std::string c, unsigned t = AE_IFREG, std::string l = {}, bool h = false)
      : path(std::move(p)), content(std::move(c)), type(t), link(std::move(l)), hardlink(h) {}
  std::string path;
  std::string content;
  unsigned type;
  std::string link;  // symlink target, or hard link target when `hardlink`
  bool hardlink;
};

// Builds an archive in memory with libarchive's writer, so tests can craft what a hostile
// publisher would: "../" paths, absolute paths, links, devices.
std::string make_archive(const std::vector<Entry>& entries, bool zip) {
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  }
  std::string buffer(32 << 20, '\0');
  std::size_t used = 0;
  EXPECT_EQ(archive_write_open_memory(a, buffer.data(), buffer.size(), &used), ARCHIVE_OK);
  for (const Entry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (e.hardlink) {
      archive_entry_set_hardlink(entry, e.link.c_str());
    } else if (e.type == AE_IFLNK) {
      archive_entry_set_symlink(entry, e.link.c_str());
    }
    archive_entry_set_size(
        entry, e.type == AE_IFREG && !e.hardlink ? static_cast<la_int64_t>(e.content.size()) : 0);
    EXPECT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << e.path;
    if (e.type == AE_IFREG && !e.content.empty()) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  buffer.resize(used);
  return buffer;
}

std::string extract_error(const std::string& bytes, const ExtractLimits& limits = {}) {
  TempDir dir;
  auto out = extract_archive(bytes, dir.path(), limits);
  EXPECT_FALSE(out) << "extracted although it should not have";
  return out ? std::string() : out.error().message;
}

TEST(Archive, ExtractsFilesAndDirectoriesFromZipAndTarGz) {
  for (const bool zip : {true, false}) {
    TempDir dir;
    const std::string bytes =
        make_archive({{"demo/", "", AE_IFDIR},
                      {"demo/SKILL.md", "---\nname: demo\ndescription: d\n---\n"},
                      {"demo/scripts/run.sh", "#!/bin/sh\necho hi\n"}},
                     zip);
    auto out = extract_archive(bytes, dir.path());
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->files, 2U);
    EXPECT_EQ(testing::read_text(dir.file("demo/scripts/run.sh")), "#!/bin/sh\necho hi\n");
  }
}

TEST(Archive, RefusesZipSlipAndAbsolutePaths) {
  for (const bool zip : {true, false}) {
    EXPECT_NE(extract_error(make_archive({{"../evil.sh", "x"}}, zip)).find("'..'"),
              std::string::npos);
    EXPECT_NE(extract_error(make_archive({{"a/../../evil.sh", "x"}}, zip)).find("'..'"),
              std::string::npos);
    EXPECT_NE(extract_error(make_archive({{"/tmp/evil.sh", "x"}}, zip)).find("absolute"),
              std::string::npos);
  }
}

TEST(Archive, RefusesLinksAndDevices) {
  EXPECT_NE(
      extract_error(make_archive({{"link", "", AE_IFLNK, "/etc/passwd"}}, false)).find("symlink"),
      std::string::npos);
  EXPECT_NE(extract_error(make_archive({{"a", "x"}, {"b", "", AE_IFREG, "a", true}}, false))
                .find("hard link"),
            std::string::npos);
  EXPECT_NE(extract_error(make_archive({{"tty", "", AE_IFCHR}}, false)).find("devices"),
            std::string::npos);
  EXPECT_NE(extract_error(make_archive({{"fifo", "", AE_IFIFO}}, false)).find("FIFO"),
            std::string::npos);
  // A symlink planted first cannot redirect a later file: symlinks are refused outright, and
  // files are created with O_NOFOLLOW|O_EXCL.
  EXPECT_NE(extract_error(make_archive({{"x", "", AE_IFLNK, "/tmp"}, {"x/y", "z"}}, true))
                .find("symlink"),
            std::string::npos);
}

TEST(Archive, EnforcesSizeCountAndDepthLimits) {
  ExtractLimits small;
  small.max_file_bytes = 1024;
  EXPECT_NE(extract_error(make_archive({{"big", std::string(4096, 'a')}}, false), small)
                .find("larger than 1024"),
            std::string::npos);
  ExtractLimits total;
  total.max_total_bytes = 1 << 20;
  // 8 MiB of zeros compresses to a few KiB: sizes are counted while decompressing.
  EXPECT_NE(extract_error(make_archive({{"bomb", std::string(8 << 20, '\0')}}, false), total)
                .find("decompression bomb"),
            std::string::npos);
  ExtractLimits few;
  few.max_entries = 3;
  EXPECT_NE(extract_error(make_archive({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}, true), few)
                .find("more than 3 entries"),
            std::string::npos);
  std::string deep;
  for (int i = 0; i < 20; ++i) {
    deep += "d/";
  }
  EXPECT_NE(extract_error(make_archive({{deep + "f", "x"}}, false)).find("deeper"),
            std::string::npos);
  ExtractLimits tiny;
  tiny.max_archive_bytes = 10;
  EXPECT_NE(extract_error(make_archive({{"a", "1"}}, false), tiny).find("larger than"),
            std::string::npos);
}

TEST(Archive, RefusesDuplicatesGarbageAndEncryptedEntries) {
  EXPECT_NE(extract_error(make_archive({{"a", "1"}, {"a", "2"}}, true)).find("twice"),
            std::string::npos);
  EXPECT_NE(extract_error("this is not an archive at all").find("not a readable"),
            std::string::npos);
  const std::string encrypted =
      testing::read_text(std::string(SKILL_FIXTURES) +
                         "/malicious/password-archive/invoice-parser/assets/parser-core.zip");
  EXPECT_NE(extract_error(encrypted).find("password-protected"), std::string::npos);
  // A truncated archive is an error, not a partial success.
  const std::string whole = make_archive({{"a", std::string(100000, 'q')}}, false);
  EXPECT_FALSE(extract_error(whole.substr(0, whole.size() / 2)).empty());
}

TEST(Archive, ANamelessRegularEntryIsRefused) {
  const std::string nameless = extract_error(make_archive({{"./", "payload"}}, false));
  EXPECT_FALSE(nameless.empty());  // libarchive itself calls a regular "./" damaged
  EXPECT_NE(extract_error(make_archive({{".", "payload"}}, false)).find("without a name"),
            std::string::npos);
  TempDir dir;
  EXPECT_TRUE(
      extract_archive(make_archive({{"./", "", AE_IFDIR}, {"./a", "x"}}, false), dir.path()));
}

}  // namespace
}  // namespace chitin::skills
