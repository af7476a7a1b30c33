import type { Command } from "../command.ts";
import { killSwitchUsage, runKillSwitchCommand } from "./pause.ts";

const resume: Command = {
  usage: killSwitchUsage("resume"),
  run: (args, io) => runKillSwitchCommand("resume", args, io),
};
export default resume;
