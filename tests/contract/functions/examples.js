// An operation shows what to send and what comes back: an example on its request body (when it takes one) and on a
// success answer (when that has a body). The examples are recorded from real traffic, never written by hand:
// `python -m tests.contract.examples` regenerates them (tests/contract/examples.py).

function shown(media) {
  return media && (media.example !== undefined || (media.examples && Object.keys(media.examples).length > 0));
}

export default function examples(op, _options, context) {
  const findings = [];
  const body = op.requestBody && op.requestBody.content;
  if (body && !Object.values(body).some(shown)) {
    findings.push({message: "its request body has no example (python -m tests.contract.examples records them)",
                   path: [...context.path, "requestBody"]});
  }
  const successes = Object.entries(op.responses || {}).filter(([status, r]) => status.startsWith("2") && r
    && r.content && Object.keys(r.content).length > 0);
  if (successes.length && !successes.some(([, r]) => Object.values(r.content).some(shown))) {
    findings.push({message: "no success answer has an example (python -m tests.contract.examples records them)",
                   path: [...context.path, "responses"]});
  }
  return findings;
}
