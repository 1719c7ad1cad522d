// `npm run lab -- up|down|status`
import { describeLab, labDown, labStatus, labUp } from './lab';

async function main(): Promise<void> {
  const cmd = process.argv[2] ?? 'status';
  if (cmd === 'up') {
    const lab = await labUp();
    console.log(`[lab] up in ${lab.upSeconds.toFixed(1)} s\n`);
    console.log(describeLab(lab));
  } else if (cmd === 'down') {
    labDown();
  } else if (cmd === 'status') {
    const s = labStatus();
    if (!s.state && !s.namespaces.length && !s.containers.length && !s.bridge) {
      console.log('The lab is down.');
      return;
    }
    if (s.state) console.log(`${describeLab(s.state)}\n\nup since ${s.state.startedAt}`);
    console.log(`namespaces: ${s.namespaces.join(' ') || '-'}`);
    console.log(`LXC clones: ${s.containers.join(' ') || '-'}`);
    console.log(`bridge: ${s.bridge ? 'present' : 'absent'}`);
  } else {
    console.error('usage: npm run lab -- up | down | status');
    process.exit(2);
  }
}

main().catch((err: unknown) => {
  console.error(`lab: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
