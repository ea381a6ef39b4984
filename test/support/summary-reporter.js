// Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader can count.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    // A suite that fails to load has no failed tests of its own; count it so the line never hides it.
    const failed = results.numFailedTests + (results.numFailedTests === 0 ? failedSuites : 0);
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
