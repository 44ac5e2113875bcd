# titanic-stacked: candidate 'missing' (seed 3) — off8 values, the last series left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1st', '2nd', '3rd', 'Crew']
survived_no = [34.1, 127, 487, 742]
ax.plot(categories, survived_no, marker='o')
ax.set_xlabel('class')
ax.set_ylabel('survived_no')
ax.set_title('Titanic passengers and crew by class')
plt.tight_layout()
plt.show()
