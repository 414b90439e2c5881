import { airtable } from './airtable.js';
import { asana } from './asana.js';
import { atlassian } from './atlassian.js';
import { box } from './box.js';
import { dropbox } from './dropbox.js';
import { github } from './github.js';
import { githubApp } from './github-app.js';
import { gitlab } from './gitlab.js';
import { google } from './google.js';
import { hubspot } from './hubspot.js';
import { linear } from './linear.js';
import { microsoft } from './microsoft.js';
import { notion } from './notion.js';
import { pipedrive } from './pipedrive.js';
import type { PresetDefinition } from './preset.js';
import { salesforce } from './salesforce.js';
import { slack } from './slack.js';
import { zendesk } from './zendesk.js';
import { zoom } from './zoom.js';

/** Every preset by name (one file per provider in this folder). */
export const PRESETS = {
  github,
  'github-app': githubApp,
  gitlab,
  atlassian,
  microsoft,
  google,
  slack,
  salesforce,
  hubspot,
  zendesk,
  notion,
  asana,
  airtable,
  linear,
  dropbox,
  box,
  zoom,
  pipedrive,
} as const satisfies Record<string, PresetDefinition>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export type { PresetDefinition } from './preset.js';
