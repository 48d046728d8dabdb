//===- PmAtomicPlugin.cpp -- the Clang half of the -fplugin front door ----===//
//
// `clang -fplugin=libpmatomic.so` alone is enough: libpmatomic.so loads this
// library (libpmatomic-clang.so, see PluginLoader.cpp), whose plugin action
// runs before the main action, reads -fplugin-arg-pmatomic-* and hands
// clang's code generator a PassBuilder callback that puts the pass at the end
// of the optimisation pipeline (-O0 included).  Nothing here looks at the AST,
// and the pass itself is reached only through the bridge.
//
//===----------------------------------------------------------------------===//
#include "PmAtomic.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Basic/CodeGenOptions.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "llvm/Passes/PassBuilder.h"

using namespace clang;
using namespace pmatomic;

namespace {

const ClangBridge *Bridge = nullptr;

class PmAtomicAction : public PluginASTAction {
protected:
  // CreateASTConsumer -- register the pass with code generation; the options
  // are copied now because the callback runs after this action is gone.
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    PmAtomicOptions O = Opts;
    auto *Register = Bridge->RegisterAtOptimizerLast;
    CI.getCodeGenOpts().PassBuilderCallbacks.push_back(
        [O, Register](llvm::PassBuilder &PB) { Register(PB, O); });
    return std::make_unique<ASTConsumer>();
  }

  // ParseArgs -- one -fplugin-arg-pmatomic-<name> per option; an unknown name
  // is an error rather than a warning, since a misspelt option silently
  // changes what is logged.
  bool ParseArgs(const CompilerInstance &CI,
                 const std::vector<std::string> &Args) override {
    DiagnosticsEngine &D = CI.getDiagnostics();
    if (!Bridge || Bridge->Version != ClangBridge::CurrentVersion) {
      D.Report(D.getCustomDiagID(
          DiagnosticsEngine::Error,
          "pmatomic: load the plugin as -fplugin=libpmatomic.so, not its "
          "Clang half %0"))
          << PMA_CLANG_HALF;
      return false;
    }
    bool OK = true;
    for (const std::string &Arg : Args) {
      if (Bridge->ApplyPluginArg(Opts, Arg))
        continue;
      D.Report(D.getCustomDiagID(
          DiagnosticsEngine::Error,
          "unknown pmatomic plugin argument '%0' "
          "(-fplugin-arg-pmatomic-%0); accepted: %1"))
          << Arg << Bridge->PluginArgNames;
      OK = false;
    }
    return OK;
  }

  // getActionType -- run with every compilation that has -fplugin, before
  // the main action, without -add-plugin.
  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  PmAtomicOptions Opts;
};

} // namespace

static FrontendPluginRegistry::Add<PmAtomicAction>
    X("pmatomic", "make lock-based code failure-atomic on a persistent heap");

// pmatomic_clang_init -- called by libpmatomic.so right after loading us.
extern "C" __attribute__((visibility("default"))) void
pmatomic_clang_init(const ClangBridge *B) {
  Bridge = B;
}
