// Validates Adaptive Cards with Microsoft's adaptivecards package: reads a
// JSON array of cards on stdin, prints a JSON array with, for each card,
// the list of problems the parser and validator report (empty: valid).
// NODE_PATH names the node_modules holding adaptivecards.
const AC = require('adaptivecards/dist/adaptivecards.js');

function problems(json) {
  try {
    const card = new AC.AdaptiveCard();
    const ctx = new AC.SerializationContext();
    card.parse(json, ctx);
    const out = [];
    for (let i = 0; i < ctx.eventCount; i++) out.push(ctx.getEventAt(i).message);
    for (const e of card.validateProperties().validationEvents) out.push(e.message);
    return out;
  } catch (e) {
    return [String(e)];
  }
}

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(problems)));
});
