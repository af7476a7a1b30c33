import type { Command } from "../command.ts";
import { killSwitchUsage, runKillSwitchCommand } from "./pause.ts";

const resume: Command = {
  name: "resume",
  summary: "release a kill switch: global (default), team T, service S or capability C",
  usage: killSwitchUsage("resume"),
  run: (args, io) => runKillSwitchCommand("resume", args, io),
};
export default resume;
