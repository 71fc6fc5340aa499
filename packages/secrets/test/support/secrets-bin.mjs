// A stand-in for `modelmesh secrets …`: the built package's runSecretsCommand on this process's streams,
// the way the modelmesh CLI wires it (argv after `secrets`, stdin read to its end for `set NAME`).
import { runSecretsCommand } from "../../dist/index.js";

const readStdin = async () => {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text;
};
process.exitCode = await runSecretsCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  readStdin,
});
