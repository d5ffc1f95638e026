#include "support/skill_fixture.h"

#include <sys/stat.h>

#include "skills/installer.h"
#include "skills/minisign.h"
#include "skills/trust_store.h"
#include "support/temp_dir.h"

namespace chitin::testing {

namespace {

Result<void> make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return errno_fail("mkdir " + prefix);
    }
    if (slash == std::string::npos) {
      return {};
    }
  }
}

}  // namespace

Result<void> install_test_skill(const config::StatePaths& paths, audit::AuditLog& log,
                                const TestSkill& skill) {
  CHITIN_RETURN_IF_ERROR(make_directories(skill.source_dir));
  write_text(skill.source_dir + "/SKILL.md", skill.skill_md);
  for (const SkillFile& file : skill.files) {
    const std::string path = skill.source_dir + "/" + file.path;
    CHITIN_RETURN_IF_ERROR(make_directories(path.substr(0, path.rfind('/'))));
    write_text(path, file.content);
    if (::chmod(path.c_str(), file.mode) != 0) {
      return errno_fail("chmod " + path);
    }
  }
  if (skill.sign) {
    const skills::MinisignKeyPair keys = skills::generate_key_pair();
    CHITIN_TRY(skills::TrustStore(paths.skill_trust_dir())
                   .add("test-" + skill.source_dir.substr(skill.source_dir.rfind('/') + 1),
                        skills::format_public_key(keys.public_key)));
    CHITIN_TRY(skills::sign_skill(skill.source_dir, keys.secret_key));
  }
  const skills::Scanner scanner = CHITIN_TRY(skills::Scanner::create());
  const skills::Installer installer(paths, scanner);
  skills::StageOptions options;
  options.allow_unsigned = !skill.sign;
  auto staged = installer.stage(skill.source_dir, options);
  if (!staged) {
    return fail(staged.error().error);
  }
  CHITIN_TRY(installer.commit(*staged, log, "--yes"));
  return {};
}

}  // namespace chitin::testing
