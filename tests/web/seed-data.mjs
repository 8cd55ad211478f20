// Seed records for the console test and the dev server: short texts in four clear topics.
// Each record is {id, text, metadata: {topic, n}} for an index bound to a text model.

const TOPICS = {
  dogs: [
    'A golden retriever chases a ball across the park',
    'The puppy wagged its tail and barked at the mailman',
    'My dog loves long walks and sniffing every tree',
    'Two dogs play tug of war with a rope toy on the grass',
    'The beagle howled when it heard the fire truck',
    'She taught her terrier to sit, stay and roll over',
    'A sheepdog herds the flock across the green hillside',
    'The dog fetched the stick from the lake and shook off the water',
    'Our labrador sleeps at the foot of the bed every night',
    'The vet said the puppy needs its vaccinations this month',
  ],
  cooking: [
    'Simmer the tomato sauce with garlic and fresh basil',
    'Knead the bread dough for ten minutes until it is smooth',
    'Whisk eggs, sugar and butter to make the cake batter',
    'Roast the vegetables in the oven at 200 degrees',
    'Season the soup with salt, pepper and a splash of lemon',
    'Chop the onions finely before frying them in olive oil',
    'Grill the salmon fillets for four minutes on each side',
    'The risotto needs constant stirring and warm stock',
    'Bake the cookies until the edges turn golden brown',
    'Marinate the chicken overnight in yogurt and spices',
  ],
  space: [
    'The rocket launched the satellite into low earth orbit',
    'Astronomers discovered a new exoplanet orbiting a distant star',
    'The telescope captured images of a spiral galaxy',
    'Astronauts on the space station conducted a spacewalk',
    'A black hole bends the light of stars behind it',
    'The rover collected rock samples on the surface of Mars',
    'Saturn\'s rings are made of ice and dust particles',
    'The comet\'s tail glowed as it passed close to the sun',
    'A solar eclipse darkened the sky for three minutes',
    'The probe sent back data from the edge of the solar system',
  ],
  finance: [
    'The central bank raised interest rates to fight inflation',
    'Stock markets fell sharply after the earnings report',
    'Diversify your portfolio across bonds and index funds',
    'The company reported record quarterly revenue and profit',
    'Mortgage rates climbed to their highest level in years',
    'Investors sold shares as the currency weakened',
    'The startup raised fifty million dollars in venture funding',
    'Save part of every paycheck in a retirement account',
    'Bond yields rose as traders expected tighter monetary policy',
    'The bank approved the small business loan application',
  ],
};

export const SEED_RECORDS = Object.entries(TOPICS).flatMap(([topic, texts]) =>
  texts.map((text, i) => ({ id: `${topic}-${String(i + 1).padStart(2, '0')}`, text, metadata: { topic, n: i + 1 } })));

export const TOPIC_NAMES = Object.keys(TOPICS);

export function seedNdjson(records = SEED_RECORDS) {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
