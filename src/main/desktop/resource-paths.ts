// Where the files shipped beside the code are: in the repository during development, under
// process.resourcesPath in an installed app (electron-builder's extraResources put them there).
import path from 'node:path';

export interface ResourcePaths {
  migrationsFolder: string;
  ansibleDir: string;
  collectorScript: string;
  experimentScript: string;
  icon: string;
}

export function resourcePaths(o: {
  isPackaged: boolean;
  resourcesPath: string;
  appPath: string;
}): ResourcePaths {
  const root = o.isPackaged ? o.resourcesPath : o.appPath;
  return {
    migrationsFolder: path.join(root, 'drizzle'),
    ansibleDir: path.join(root, 'ansible'),
    collectorScript: path.join(root, 'resources', 'metrics', 'collector.sh'),
    experimentScript: path.join(root, 'resources', 'experiments', 'experiment.sh'),
    icon: path.join(root, 'resources', 'icon.png'),
  };
}
